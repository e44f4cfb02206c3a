import { forgetSession, refreshPatiently, RefreshUnavailable, session } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The RFC 6750 / RFC 9470 error code of a 401, e.g. `invalid_token`, `insufficient_user_authentication`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The session is over (refresh refused): the caller keeps what it could not send. */
export class SessionEnded extends ApiError {}

/** The session could not be refreshed for now (the sign-in service is down): it is not over. */
export class SessionUnavailable extends ApiError {}

const ENDED = 'Your session has ended. Please sign in again.';
const UNAVAILABLE = 'The sign-in service is not answering right now. You are still signed in: try again in a moment.';

const challengeCode = (response: Response) => /error="([a-z_]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];

/**
 * Calls the same-origin API, with the tab's access token when signed in. A 401 `invalid_token`
 * (expired, or refused after "sign out everywhere") is refreshed once and retried with the same
 * Idempotency-Key, so a write is never lost or doubled; when the refresh is refused too, the session
 * is over: SessionEnded. A refresh the backend cannot decide (503, network) is retried a few times,
 * then SessionUnavailable, with the session kept. problem+json becomes an ApiError.
 */
export async function api<T>(method: string, path: string, body?: unknown, options: { idempotent?: boolean; anonymous?: boolean } = {}): Promise<T> {
  const key = options.idempotent ? crypto.randomUUID() : undefined;
  const send = (token?: string) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key && token) headers['idempotency-key'] = key;
    return fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  };
  const token = options.anonymous ? undefined : session()?.accessToken;
  let response = await send(token);
  if (response.status === 401 && token && challengeCode(response) === 'invalid_token') {
    // An outage of the sign-in service is waited out, never taken for the end of the session.
    const fresh = await refreshPatiently().catch((error: unknown) => {
      throw error instanceof RefreshUnavailable ? new SessionUnavailable(503, UNAVAILABLE) : error;
    });
    if (fresh) response = await send(fresh.accessToken);
    if (!fresh || (response.status === 401 && challengeCode(response) === 'invalid_token')) {
      forgetSession(ENDED);
      throw new SessionEnded(401, ENDED, 'invalid_token');
    }
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string; type?: string };
    // The API could not fetch the issuer's keys to check the token: an outage, the session is not over.
    if (response.status === 503 && problem.type === '/problems/keys-unavailable') throw new SessionUnavailable(503, UNAVAILABLE);
    throw new ApiError(response.status, problem.detail ?? problem.title ?? `Request failed (${response.status})`, challengeCode(response));
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export type Status = 'started' | 'completed';
export interface ProgressEntry {
  lessonId: string;
  status: Status;
}
