import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';

/**
 * The browser flow the site will use, driven over HTTP against the local issuer: authorization code
 * with PKCE through oidc-provider's development login and consent pages, then the token exchange.
 */

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

const REDIRECT = 'http://127.0.0.1:3000/auth/callback/';

/** Follows redirects by hand, keeping cookies, until the issuer sends the browser back to the app. */
async function signIn(login: string, codeChallenge: string, state: string): Promise<URL> {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!, value.join('='));
    }
    return response;
  };
  const params = new URLSearchParams({
    client_id: api.issuer.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid profile',
    state,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  });
  let url = `${api.issuer.issuer}/auth?${params}`;
  for (let hop = 0; hop < 12; hop++) {
    const response = await send(url);
    if (response.status === 200) {
      // A login or consent page: submit it as a person would.
      const html = await response.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const form = new URLSearchParams({ prompt: prompt!, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
      const posted = await send(url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      url = new URL(posted.headers.get('location')!, url).toString();
      continue;
    }
    const location = new URL(response.headers.get('location')!, url);
    if (location.toString().startsWith(REDIRECT)) return location;
    url = location.toString();
  }
  throw new Error('sign-in did not come back to the redirect URI');
}

describe('local OIDC issuer', () => {
  it('signs a dev user in with authorization code + PKCE; the API accepts the access token and refuses the ID token', async () => {
    // Prepare
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');

    // Act
    const callback = await signIn('grace', challenge, 'state-123');
    const tokenResponse = await fetch(`${api.issuer.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: api.issuer.clientId, code_verifier: verifier }),
    });
    const tokens = (await tokenResponse.json()) as { access_token: string; id_token: string };
    const withAccess = await api.call({ method: 'GET', path: '/api/me/progress', token: tokens.access_token });
    const withId = await api.call({ method: 'GET', path: '/api/me/progress', token: tokens.id_token });

    // Assess
    expect(callback.searchParams.get('state')).toBe('state-123');
    expect(tokenResponse.status).toBe(200);
    expect(withAccess.status).toBe(200);
    expect(withId.status).toBe(401);
    expect(withId.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses the token exchange without the right PKCE verifier', async () => {
    const challenge = createHash('sha256').update('the-real-verifier-that-is-long-enough-000000').digest('base64url');
    const callback = await signIn('ada', challenge, 's');
    const tokenResponse = await fetch(`${api.issuer.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: api.issuer.clientId, code_verifier: 'a-different-verifier-that-is-long-enough-0000' }),
    });
    expect(tokenResponse.status).toBe(400);
  });
});
