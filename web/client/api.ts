import { session, signOutLocally } from './auth';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Calls the same-origin API with the access token when signed in; problem+json becomes an ApiError. */
export async function api<T>(method: string, path: string, body?: unknown, options: { idempotent?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const current = session();
  if (current) headers.authorization = `Bearer ${current.accessToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotent && current) headers['idempotency-key'] = crypto.randomUUID();
  const response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (response.status === 401 && current) signOutLocally();
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new ApiError(response.status, problem.detail ?? problem.title ?? `Request failed (${response.status})`);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export type Status = 'started' | 'completed';
export interface ProgressEntry {
  lessonId: string;
  status: Status;
}
