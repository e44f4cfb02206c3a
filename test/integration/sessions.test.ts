import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allRoutes } from '../../lambdas/api/routes';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../../lambdas/domain/zod';
import { open, openValue, seal, SESSION_COOKIE } from '../../lambdas/session/cookie';
import * as keys from '../../lambdas/store/keys';
import { SESSION_ABSOLUTE_SECONDS, SESSION_INACTIVITY_SECONDS } from '../../lambdas/session/config';
import { ROTATION_GRACE_SECONDS } from '../../lambdas/session/service';
import { startTestApi, type Request, type Response, type TestApi } from '../support/api';
import { authorizeAtIssuer, SITE_ORIGIN } from '../support/sign-in';

/**
 * The token-mediating backend under /api/auth against the local issuer (oidc-provider) and DynamoDB
 * Local: cookie attributes, rotation with reuse detection, CSRF, sign out (everywhere), expiry,
 * and that deleting the account ends every session.
 */
let api: TestApi;
let key: Buffer;
beforeAll(async () => {
  process.env.SITE_ORIGINS = SITE_ORIGIN;
  // Revocation rides on the limiter's write: on this shared machine, give DynamoDB Local time to
  // answer instead of letting the route fail open (which would skip the revocation check).
  process.env.RATE_LIMIT_STORE_TIMEOUT_MS = '5000';
  api = await startTestApi();
  key = Buffer.from(process.env.SESSION_KEY!, 'base64url');
});
afterAll(() => api?.stop());

const sameSite = { 'sec-fetch-site': 'same-origin', origin: SITE_ORIGIN };
const now = () => Math.floor(Date.now() / 1000);

function auth(path: string, options: { cookie?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const request: Request = { method: 'POST', path, body: options.body ?? {}, headers: { ...sameSite, ...options.headers } };
  if (options.cookie) request.cookies = [`${SESSION_COOKIE}=${options.cookie}`];
  if (options.token) request.token = options.token;
  return api.call(request);
}

/** The value of the session cookie a response sets ('' when it clears it). */
const cookieOf = (response: Response) => /^__Host-rungs-session=([^;]*)/.exec(response.headers['set-cookie'] ?? '')?.[1];

async function signIn(login = 'ada', options: { prompt?: string; maxAge?: number } = {}) {
  const authorization = await authorizeAtIssuer(api.issuer.issuer, api.issuer.clientId, login, options);
  const response = await auth('/api/auth/session', { body: authorization });
  expect(response.status).toBe(200);
  return { response, cookie: cookieOf(response)!, accessToken: response.body.accessToken as string };
}

/** Asks the issuer directly whether a refresh token still works (the page never can: it never sees one). */
async function issuerAccepts(refreshToken: string) {
  const response = await fetch(`${api.issuer.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: api.issuer.clientId }),
  });
  return response.ok;
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const progressWith = (token: string) => api.call({ method: 'GET', path: '/api/me/progress', token });

describe('signing in through /api/auth/session', () => {
  it('sets a __Host- HttpOnly Secure SameSite=Strict cookie for 30 days and answers the access token only', async () => {
    // Act
    const { response, cookie, accessToken } = await signIn();

    // Assess
    const setCookie = response.headers['set-cookie']!;
    expect(setCookie).toMatch(/^__Host-rungs-session=[A-Za-z0-9_-]+; /);
    const attributes = setCookie.split('; ').slice(1);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_INACTIVITY_SECONDS}`]));
    expect(attributes.some((a) => a.toLowerCase().startsWith('domain='))).toBe(false);
    expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'sub']);
    expect(response.body.sub).toBe('ada');
    expect(response.body.expiresIn).toBeLessThanOrEqual(3600);
    expect(response.headers['cache-control']).toBe('no-store');
    // The refresh token is only inside the sealed cookie.
    const sealed = open(key, cookie)!;
    expect(sealed.rt.length).toBeGreaterThan(10);
    expect(cookie).not.toContain(sealed.rt);
    expect((await progressWith(accessToken)).status).toBe(200);
  });

  it('puts auth_time in the access token, as Cognito does', async () => {
    const { accessToken } = await signIn();
    expect(Math.abs(Number(claims(accessToken).auth_time) - now())).toBeLessThan(60);
  });

  it('refuses a code the issuer does not know with 400', async () => {
    const response = await auth('/api/auth/session', { body: { code: 'made-up', codeVerifier: 'v'.repeat(43), redirectUri: `${SITE_ORIGIN}/auth/callback/` } });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('/problems/sign-in-refused');
  });
});

describe('refreshing', () => {
  it('rotates the refresh token and keeps auth_time of the sign-in', async () => {
    // Prepare
    const first = await signIn();

    // Act
    const refreshed = await auth('/api/auth/refresh', { cookie: first.cookie });

    // Assess
    expect(refreshed.status).toBe(200);
    const next = cookieOf(refreshed)!;
    expect(open(key, next)!.rt).not.toBe(open(key, first.cookie)!.rt);
    expect(open(key, next)!.gen).toBe(2);
    expect(claims(refreshed.body.accessToken).auth_time).toBe(claims(first.accessToken).auth_time);
    expect((await progressWith(refreshed.body.accessToken)).status).toBe(200);
  });

  it.each<[string, (cookies: { first: string; second: string }) => string]>([
    ['several rotations old', (cookies) => cookies.first],
    ['its successor was used', (cookies) => cookies.second],
  ])('ends the whole family when a used refresh token comes back (%s), here and at the issuer', async (_case, pick) => {
    // Prepare: rotate three times, keep every cookie; only the last successor is still unused.
    const first = await signIn();
    const second = cookieOf(await auth('/api/auth/refresh', { cookie: first.cookie }))!;
    const third = cookieOf(await auth('/api/auth/refresh', { cookie: second }))!;
    const fourth = cookieOf(await auth('/api/auth/refresh', { cookie: third }))!;

    // Act: an already-used cookie is presented again.
    const reused = await auth('/api/auth/refresh', { cookie: pick({ first: first.cookie, second }) });

    // Assess: refused, cookie cleared, and the current cookie of the family is dead too.
    expect(reused.status).toBe(401);
    expect(reused.body.type).toBe('/problems/session-ended');
    expect(cookieOf(reused)).toBe('');
    expect(reused.headers['set-cookie']).toContain('Max-Age=0');
    const current = await auth('/api/auth/refresh', { cookie: fourth });
    expect(current.status).toBe(401);
    // The access tokens already issued are refused from the next request on.
    expect((await progressWith(first.accessToken)).status).toBe(401);
    expect(await issuerAccepts(open(key, fourth)!.rt)).toBe(false);
  });

  it('answers a cookie whose answer was lost on the way with that same answer, and the session goes on', async () => {
    // Prepare: a refresh the page never heard back from (tab reloaded, response dropped).
    const first = await signIn('barbara');
    const lost = await auth('/api/auth/refresh', { cookie: first.cookie });

    // Act: the browser still holds the first cookie and sends it again.
    const retried = await auth('/api/auth/refresh', { cookie: first.cookie });

    // Assess: the same successor (refresh token, generation) and access token, which works.
    expect(retried.status).toBe(200);
    expect(open(key, cookieOf(retried)!)).toEqual(open(key, cookieOf(lost)!));
    expect(open(key, cookieOf(retried)!)!.gen).toBe(2);
    expect(retried.body.accessToken).toBe(lost.body.accessToken);
    expect(retried.body.expiresIn).toBeLessThanOrEqual(lost.body.expiresIn);
    expect((await progressWith(retried.body.accessToken)).status).toBe(200);
    const onward = await auth('/api/auth/refresh', { cookie: cookieOf(retried)! });
    expect(onward.status).toBe(200);
    expect(open(key, cookieOf(onward)!)!.gen).toBe(3);
    // Once the successor was used, the first cookie can only be a copy.
    const late = await auth('/api/auth/refresh', { cookie: first.cookie });
    expect(late.status).toBe(401);
    expect((await auth('/api/auth/refresh', { cookie: cookieOf(onward)! })).status).toBe(401);
  });

  it(`takes the cookie for a copy when it comes back more than ${ROTATION_GRACE_SECONDS} s after its rotation`, async () => {
    // Prepare
    const first = await signIn('hedy');
    const lost = await auth('/api/auth/refresh', { cookie: first.cookie });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (ROTATION_GRACE_SECONDS + 2) * 1000);
    try {
      // Act
      const late = await auth('/api/auth/refresh', { cookie: first.cookie });

      // Assess: reuse, and the successor is dead too.
      expect(late.status).toBe(401);
      expect(late.body.type).toBe('/problems/session-ended');
      expect((await auth('/api/auth/refresh', { cookie: cookieOf(lost)! })).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('catches a copy at the next rotation even when it was sent within the window: a cookie handed out twice gets no replay', async () => {
    // Prepare: the learner and a thief hold the same cookie; the learner refreshes, then the thief
    // sends the copy within the window and is handed the same successor.
    const first = await signIn('frances');
    const learner = await auth('/api/auth/refresh', { cookie: first.cookie });
    const thief = await auth('/api/auth/refresh', { cookie: first.cookie });
    expect(thief.status).toBe(200);

    // Act: the thief refreshes first; then the learner refreshes with the cookie both hold.
    const ahead = await auth('/api/auth/refresh', { cookie: cookieOf(thief)! });
    const behind = await auth('/api/auth/refresh', { cookie: cookieOf(learner)! });

    // Assess: whoever is second is reuse, at once, and the family ends for both.
    expect(ahead.status).toBe(200);
    expect(behind.status).toBe(401);
    expect(behind.body.type).toBe('/problems/session-ended');
    expect((await auth('/api/auth/refresh', { cookie: cookieOf(ahead)! })).status).toBe(401);
  });

  it('hands out no successor after sign-out or sign out everywhere, even within the window', async () => {
    // Prepare: two sessions whose first rotation's answer was lost.
    const one = await signIn('ken');
    await auth('/api/auth/refresh', { cookie: one.cookie });
    const other = await signIn('dorothy');
    await auth('/api/auth/refresh', { cookie: other.cookie });

    // Act
    const signedOut = await auth('/api/auth/sign-out', { cookie: one.cookie });
    const everywhere = await auth('/api/auth/sign-out-everywhere', { cookie: other.cookie, token: other.accessToken });

    // Assess
    expect([signedOut.status, everywhere.status]).toEqual([204, 204]);
    for (const cookie of [one.cookie, other.cookie]) {
      const late = await auth('/api/auth/refresh', { cookie });
      expect(late.status).toBe(401);
      expect(late.body.accessToken).toBeUndefined();
    }
  });

  it(`keeps the window at ${ROTATION_GRACE_SECONDS} s from the rotation however often the answer is handed out again`, async () => {
    // Prepare
    const first = await signIn('annie');
    const lost = await auth('/api/auth/refresh', { cookie: first.cookie });
    const rotatedAt = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // Act: the same cookie again and again, the last time just past the window.
      const statuses: number[] = [];
      for (const after of [5, 12, 20, ROTATION_GRACE_SECONDS + 2]) {
        vi.setSystemTime(rotatedAt + after * 1000);
        statuses.push((await auth('/api/auth/refresh', { cookie: first.cookie })).status);
      }

      // Assess
      expect(statuses).toEqual([200, 200, 200, 401]);
      expect((await auth('/api/auth/refresh', { cookie: cookieOf(lost)! })).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the answer it hands out again sealed under the old cookie: the record alone cannot be opened with the cookie key', async () => {
    // Prepare
    const first = await signIn('margaret');
    const lost = await auth('/api/auth/refresh', { cookie: first.cookie });
    const { sub, fid } = open(key, first.cookie)!;

    // Act
    const record = (await api.store.doc.send(new GetCommand({ TableName: api.store.tableName, Key: keys.session(sub, fid), ConsistentRead: true }))).Item!;

    // Assess: nothing in it reads as the new refresh or access token, or opens with the cookie key.
    const text = JSON.stringify(record);
    expect(text).not.toContain(open(key, cookieOf(lost)!)!.rt);
    expect(text).not.toContain(lost.body.accessToken);
    expect(openValue(key, 'rungs-session-successor', String(record.successor), z.unknown())).toBeUndefined();
    expect(open(key, String(record.successor))).toBeUndefined();
  });

  it('refuses a request without a cookie, and a tampered cookie, with 401 no-session', async () => {
    const { cookie } = await signIn();
    const tampered = cookie.slice(0, 20) + (cookie[20] === 'A' ? 'B' : 'A') + cookie.slice(21);
    for (const response of [await auth('/api/auth/refresh'), await auth('/api/auth/refresh', { cookie: tampered })]) {
      expect(response.status).toBe(401);
      expect(response.body.type).toBe('/problems/no-session');
    }
  });

  it('ends a session idle for more than 30 days, and any session 90 days after its sign-in', async () => {
    // Prepare: genuine sessions whose bookkeeping is aged (sealed with the same key).
    const idle = await signIn();
    const old = await signIn();
    const age = (cookie: string, change: { seen?: number; started?: number }) => seal(key, { ...open(key, cookie)!, ...change });

    // Act
    const idleAnswer = await auth('/api/auth/refresh', { cookie: age(idle.cookie, { seen: now() - SESSION_INACTIVITY_SECONDS - 60 }) });
    const oldAnswer = await auth('/api/auth/refresh', { cookie: age(old.cookie, { started: now() - SESSION_ABSOLUTE_SECONDS - 60 }) });

    // Assess
    for (const response of [idleAnswer, oldAnswer]) {
      expect(response.status).toBe(401);
      expect(response.body.type).toBe('/problems/session-expired');
    }
    expect(await issuerAccepts(open(key, idle.cookie)!.rt)).toBe(false);
  });
});

describe('cross-site requests to the cookie routes', () => {
  // Every route that acts on the session cookie, from the route table.
  const routes = allRoutes().filter(({ route }) => route.sameOrigin).map(({ route }) => route.path);
  const attempts: Record<string, Record<string, string>> = {
    'a cross-site Fetch Metadata header': { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    'a same-site (sibling) request': { 'sec-fetch-site': 'same-site', origin: 'https://evil.127.0.0.1.example' },
    'no Fetch Metadata at all': { 'sec-fetch-site': '', origin: SITE_ORIGIN },
    'a foreign Origin': { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
    'a simple (form) content type': { 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
    'a text/plain body': { 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' },
  };

  for (const [kind, headers] of Object.entries(attempts)) {
    it(`refuses ${kind} with 403 on every auth route, before the cookie is read`, async () => {
      // Prepare
      const { cookie } = await signIn();

      // Act
      const responses = await Promise.all(routes.map((path) => auth(path, { cookie, headers })));

      // Assess
      for (const response of responses) {
        expect(response.status).toBe(403);
        expect(response.body.type).toBe('/problems/cross-site-request');
        expect(response.headers['set-cookie']).toBeUndefined();
      }
      expect((await auth('/api/auth/refresh', { cookie })).status).toBe(200);
    });
  }
});

describe('signing out', () => {
  it('revokes this session at the issuer and clears the cookie', async () => {
    // Prepare
    const { cookie } = await signIn();

    // Act
    const response = await auth('/api/auth/sign-out', { cookie });

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers['set-cookie']).toBe('__Host-rungs-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(await issuerAccepts(open(key, cookie)!.rt)).toBe(false);
    expect((await auth('/api/auth/refresh', { cookie })).status).toBe(401);
  });

  it('signs out everywhere: every session of the learner ends and older access tokens are refused on the next request', async () => {
    // Prepare: two sessions of grace (two devices), both working.
    const deviceA = await signIn('grace');
    const deviceB = await signIn('grace');
    // Another learner no other test signs out (a revocation elsewhere in this file must not reach it).
    const other = { accessToken: api.issuer.signWithIssuerKey({ sub: 'katherine', aud: api.issuer.clientId }, { typ: 'at+jwt' }) };
    expect((await progressWith(deviceB.accessToken)).status).toBe(200);
    expect((await progressWith(other.accessToken)).status).toBe(200);

    // Act
    const response = await auth('/api/auth/sign-out-everywhere', { cookie: deviceA.cookie, token: deviceA.accessToken });

    // Assess: B's access token is refused by every function, B cannot refresh, A's cookie is cleared.
    expect(response.status).toBe(204);
    expect(cookieOf(response)).toBe('');
    const refused = await progressWith(deviceB.accessToken);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('error="invalid_token", error_description="session ended"');
    const attempt = await api.call({ method: 'POST', path: '/api/lessons/authorization-code-pkce/attempts', token: deviceB.accessToken, body: { itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } } });
    expect(attempt.status).toBe(401);
    expect((await auth('/api/auth/refresh', { cookie: deviceB.cookie })).status).toBe(401);
    expect((await auth('/api/auth/refresh', { cookie: deviceA.cookie })).status).toBe(401);
    // Another learner is untouched, and grace can sign in again once the second has turned.
    expect((await progressWith(other.accessToken)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await signIn('grace');
    expect((await progressWith(again.accessToken)).status).toBe(200);
  });

  it('refuses sign-out-everywhere without a bearer token', async () => {
    const { cookie } = await signIn();
    const response = await auth('/api/auth/sign-out-everywhere', { cookie });
    expect(response.status).toBe(401);
  });
});

describe('step-up before deleting the account (RFC 9470)', () => {
  const signed = (authTime: number | undefined) =>
    api.issuer.signWithIssuerKey({ sub: 'alan', aud: api.issuer.clientId, ...(authTime !== undefined ? { auth_time: authTime } : {}) }, { typ: 'at+jwt' });

  for (const [kind, authTime] of [['a sign-in 10 minutes ago', now() - 600], ['no auth_time at all', undefined]] as const) {
    it(`answers ${kind} with 401 insufficient_user_authentication, max_age=300 and problem+json`, async () => {
      // Act
      const response = await api.call({ method: 'DELETE', path: '/api/me', token: signed(authTime) });

      // Assess
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="rungs", error="insufficient_user_authentication", .*max_age=300$/);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ type: '/problems/insufficient-user-authentication', status: 401, maxAge: 300 });
    });
  }

  it('deletes after a fresh sign-in (prompt=login, max_age=0) and ends every session of the learner', async () => {
    // Prepare: an older session and a fresh re-authentication of the same learner.
    const older = await signIn('alan');
    const fresh = await signIn('alan', { prompt: 'login', maxAge: 0 });

    // Act
    const response = await api.call({ method: 'DELETE', path: '/api/me', token: fresh.accessToken });

    // Assess
    expect(response.status).toBe(204);
    expect((await auth('/api/auth/refresh', { cookie: older.cookie })).status).toBe(401);
    expect((await auth('/api/auth/refresh', { cookie: fresh.cookie })).status).toBe(401);
    expect((await progressWith(older.accessToken)).status).toBe(401);
  });
});
