import { createHash, randomBytes } from 'node:crypto';
import { CALLBACK_PATH } from '../../lambdas/render';

/**
 * Signs a dev user in at the local issuer over plain HTTP, as the browser would (authorization
 * request with PKCE, the issuer's login and consent forms, the redirect back), and returns what the
 * site's callback page would post to POST /api/auth/session.
 */
export interface AuthorizationResult {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

export const SITE_ORIGIN = 'http://127.0.0.1:3000';

class Jar {
  readonly #cookies = new Map<string, string>();
  header = () => [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
}

export async function authorizeAtIssuer(
  issuer: string,
  clientId: string,
  login: string,
  options: { prompt?: string; maxAge?: number; jar?: Jar } = {},
): Promise<AuthorizationResult> {
  const jar = options.jar ?? new Jar();
  const codeVerifier = randomBytes(32).toString('base64url');
  const redirectUri = `${SITE_ORIGIN}${CALLBACK_PATH}`;
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    state: 'test',
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(options.prompt ? { prompt: options.prompt } : {}),
    ...(options.maxAge !== undefined ? { max_age: String(options.maxAge) } : {}),
  }).toString();

  let url = authorize.toString();
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(response);
    const location = response.headers.get('location');
    if (location?.startsWith(redirectUri)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`the issuer redirected back without a code: ${location}`);
      return { code, codeVerifier, redirectUri };
    }
    if (location) {
      url = new URL(location, url).toString();
      continue;
    }
    // An interaction page: answer its form (login, then consent) at the same URL.
    const page = await response.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    if (!prompt) throw new Error(`unexpected issuer page at ${url} (${response.status})`);
    const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'anything' } : { prompt };
    const submitted = await fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    jar.take(submitted);
    url = new URL(submitted.headers.get('location')!, url).toString();
  }
  throw new Error('sign-in at the issuer did not finish');
}

export const newJar = () => new Jar();
