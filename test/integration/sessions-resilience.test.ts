import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { open, seal, SESSION_COOKIE } from '../../lambdas/session/cookie';
import { createFamily } from '../../lambdas/store/sessions';
import { authConfigFromEnv } from '../../lambdas/middleware/auth-config';
import { createTokenVerifier, KeysUnavailable } from '../../lambdas/middleware/auth';
import { sessionConfigFromEnv } from '../../lambdas/session/config';
import { IN_FLIGHT_WAIT_MS, refreshSession, ROTATE_WITHIN_MS, STALE_ROTATION_SECONDS, startSession, type SessionDeps } from '../../lambdas/session/service';
import * as keys from '../../lambdas/store/keys';
import { startTestApi, type Request, type Response, type TestApi } from '../support/api';
import { authorizeAtIssuer, SITE_ORIGIN } from '../support/sign-in';

/**
 * The refresh route when the issuer misbehaves or races with sign-out: the real local issuer sits
 * behind a pass-through proxy on its token endpoint that can answer 5xx, an OAuth error other than
 * invalid_grant, stall past the route's timeout, hold a refresh until the test lets it go on (or
 * fails it), or
 * pass the issuer's rotation on with an access token the API does not accept.
 */
type Mode = 'pass' | 'fail-503' | 'throttled' | 'stall' | 'hold' | 'foreign-token';

interface TokenProxy {
  url: string;
  mode: Mode;
  /** With `hold`: resolves when a refresh has reached the proxy; `release()` sends it on. */
  held?: { arrived: Promise<void>; arrivedNow: () => void; release: () => void };
  /** The issuer's last token answer that went through (what it minted, whether or not the route passed it on). */
  lastMinted?: { access_token: string; refresh_token?: string };
  server: Server;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text));
  });

async function startTokenProxy(target: string): Promise<TokenProxy> {
  const proxy = { mode: 'pass' as Mode } as TokenProxy;
  proxy.server = createServer(async (req, res) => {
    const body = await readBody(req);
    const refresh = new URLSearchParams(body).get('grant_type') === 'refresh_token';
    if (refresh && proxy.mode === 'fail-503') return void res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>upstream down</h1>');
    if (refresh && proxy.mode === 'throttled') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"slow_down"}');
    if (refresh && proxy.mode === 'stall') return void setTimeout(() => res.writeHead(504).end(), 4_000);
    if (refresh && proxy.mode === 'hold') {
      let go!: () => void;
      const gate = new Promise<void>((r) => (go = r));
      proxy.held!.release = go;
      proxy.held!.arrivedNow();
      await gate;
      // Released into an outage: the held refresh never reaches the issuer.
      if ((proxy.mode as Mode) === 'fail-503') return void res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>upstream down</h1>');
    }
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const text = await upstream.text();
    if (upstream.ok) proxy.lastMinted = JSON.parse(text) as TokenProxy['lastMinted'];
    const passed = refresh && upstream.ok && proxy.mode === 'foreign-token' ? JSON.stringify({ ...proxy.lastMinted, access_token: 'not.a.token' }) : text;
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(passed);
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  const address = proxy.server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/token`;
  return proxy;
}

/** Arms `hold`: the next refresh waits at the proxy. */
function hold(proxy: TokenProxy): Promise<void> {
  let arrived!: () => void;
  const promise = new Promise<void>((r) => (arrived = r));
  proxy.held = { arrived: promise, arrivedNow: arrived, release: () => undefined };
  proxy.mode = 'hold';
  return promise;
}

let api: TestApi;
let proxy: TokenProxy;
let key: Buffer;
beforeAll(async () => {
  process.env.SITE_ORIGINS = SITE_ORIGIN;
  api = await startTestApi();
  proxy = await startTokenProxy(process.env.AUTH_TOKEN_ENDPOINT!);
  // Read by the auth function at its cold start, which comes with its first call below.
  process.env.AUTH_TOKEN_ENDPOINT = proxy.url;
  key = Buffer.from(process.env.SESSION_KEY!, 'base64url');
});
afterAll(async () => {
  await new Promise((r) => proxy?.server.close(r));
  await api?.stop();
});

const sameSite = { 'sec-fetch-site': 'same-origin', origin: SITE_ORIGIN };
function auth(path: string, options: { cookie?: string; token?: string; body?: unknown } = {}): Promise<Response> {
  const request: Request = { method: 'POST', path, body: options.body ?? {}, headers: sameSite };
  if (options.cookie) request.cookies = [`${SESSION_COOKIE}=${options.cookie}`];
  if (options.token) request.token = options.token;
  return api.call(request);
}
const cookieOf = (response: Response) => /^__Host-rungs-session=([^;]*)/.exec(response.headers['set-cookie'] ?? '')?.[1];

async function signIn(login: string) {
  proxy.mode = 'pass';
  const response = await auth('/api/auth/session', { body: await authorizeAtIssuer(api.issuer.issuer, api.issuer.clientId, login) });
  expect(response.status).toBe(200);
  return { cookie: cookieOf(response)!, accessToken: response.body.accessToken as string };
}

async function issuerAccepts(refreshToken: string) {
  const response = await fetch(`${api.issuer.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: api.issuer.clientId }),
  });
  return response.ok;
}

describe('a refresh the issuer cannot answer', () => {
  it.each<[string, Mode]>([
    ['a 5xx error page', 'fail-503'],
    ['an OAuth error other than invalid_grant (throttling)', 'throttled'],
    ['no answer within the timeout', 'stall'],
  ])('keeps the session on %s: 503 with Retry-After, the cookie untouched, and a later refresh works', async (_case, mode) => {
    // Prepare
    const { cookie } = await signIn('ada');
    proxy.mode = mode;

    // Act
    const failed = await auth('/api/auth/refresh', { cookie });
    proxy.mode = 'pass';
    const retried = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBeDefined();
    expect(failed.headers['set-cookie']).toBeUndefined();
    expect(retried.status).toBe(200);
    expect(open(key, cookieOf(retried)!)!.gen).toBe(2);
  });

  it('still ends the session on a real invalid_grant', async () => {
    // Prepare: the issuer no longer knows the refresh token
    const { cookie } = await signIn('ada');
    await fetch(`${api.issuer.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: open(key, cookie)!.rt, token_type_hint: 'refresh_token', client_id: api.issuer.clientId }),
    });

    // Act
    const refused = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(refused.status).toBe(401);
    expect(cookieOf(refused)).toBe('');
  });
});

describe('a refresh in flight while the learner signs out everywhere', () => {
  it('hands out nothing the issuer minted meanwhile, and that refresh token is revoked', async () => {
    // Prepare: grace has two devices; device B's refresh reaches the issuer and waits there.
    const deviceA = await signIn('grace');
    const deviceB = await signIn('grace');
    const arrived = hold(proxy);
    const refreshB = auth('/api/auth/refresh', { cookie: deviceB.cookie });
    await arrived;

    // Act: device A signs out everywhere, then B's rotation completes at the issuer.
    const everywhere = await auth('/api/auth/sign-out-everywhere', { cookie: deviceA.cookie, token: deviceA.accessToken });
    proxy.held!.release();
    const refreshed = await refreshB;

    // Assess
    expect(everywhere.status).toBe(204);
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.accessToken).toBeUndefined();
    expect(cookieOf(refreshed)).toBe('');
    const minted = proxy.lastMinted!;
    expect(minted.refresh_token).toBeDefined();
    expect(await issuerAccepts(minted.refresh_token!)).toBe(false);
  });
});

describe('the same cookie twice while its rotation is in flight (a reload mid-refresh)', () => {
  it('waits for the rotation and answers both with the same successor, and the session goes on', async () => {
    // Prepare: the first refresh reaches the issuer and waits there.
    const { cookie } = await signIn('ada');
    const arrived = hold(proxy);
    const first = auth('/api/auth/refresh', { cookie });
    await arrived;

    // Act: the same cookie again (it reaches the function at once: the test calls it in this
    // process); a second later the issuer answers the first.
    let waiting = true;
    const second = auth('/api/auth/refresh', { cookie }).finally(() => (waiting = false));
    await new Promise((r) => setTimeout(r, 1000));
    const waitedForTheFirst = waiting;
    proxy.mode = 'pass';
    proxy.held!.release();
    const [one, two] = await Promise.all([first, second]);

    // Assess: the second had no answer while the first was at the issuer, then the same one.
    expect(waitedForTheFirst).toBe(true);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(open(key, cookieOf(two)!)).toEqual(open(key, cookieOf(one)!));
    expect(two.body.accessToken).toBe(one.body.accessToken);
    const onward = await auth('/api/auth/refresh', { cookie: cookieOf(two)! });
    expect(onward.status).toBe(200);
    expect(open(key, cookieOf(onward)!)!.gen).toBe(3);
  });
});

describe('a rotation whose function stopped before it committed', () => {
  /** Leaves the family as a function that claimed the next generation and then stopped would (`undefined`: a mark without its time, as an earlier version wrote). */
  async function strand(cookie: string, secondsAgo: number | undefined) {
    const { sub, fid, gen } = open(key, cookie)!;
    await api.store.doc.send(
      new UpdateCommand({
        TableName: api.store.tableName,
        Key: keys.session(sub, fid),
        UpdateExpression: secondsAgo === undefined ? 'SET generation = :next, rotation = :claim' : 'SET generation = :next, rotation = :claim, rotationAt = :at',
        ExpressionAttributeValues: { ':next': gen + 1, ':claim': 'stopped', ...(secondsAgo === undefined ? {} : { ':at': Math.floor(Date.now() / 1000) - secondsAgo }) },
      }),
    );
  }
  const record = async (cookie: string) => {
    const { sub, fid } = open(key, cookie)!;
    return (await api.store.doc.send(new GetCommand({ TableName: api.store.tableName, Key: keys.session(sub, fid), ConsistentRead: true }))).Item;
  };

  it('waits on a mark without its time (a rotation an earlier version has in flight) instead of taking it over, and gives it the time it was first seen', async () => {
    // Prepare
    const { cookie } = await signIn('ada');
    await strand(cookie, undefined);

    // Act
    const waited = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(waited.status).toBe(503);
    expect(waited.body.type).toBe('/problems/refresh-in-progress');
    const stamped = await record(cookie);
    expect(stamped?.rotation).toBe('stopped');
    expect(Math.abs(Number(stamped?.rotationAt) - Date.now() / 1000)).toBeLessThan(30);
  }, 30_000);

  it(`answers 503 refresh-in-progress while the mark is younger than ${STALE_ROTATION_SECONDS} s (after waiting ${IN_FLIGHT_WAIT_MS / 1000} s), cookie untouched`, async () => {
    // Prepare
    const { cookie } = await signIn('ada');
    await strand(cookie, 0);

    // Act
    const waited = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(waited.status).toBe(503);
    expect(waited.body.type).toBe('/problems/refresh-in-progress');
    expect(waited.headers['retry-after']).toBe('1');
    expect(waited.headers['set-cookie']).toBeUndefined();
  }, 30_000);

  it(`is taken over after ${STALE_ROTATION_SECONDS} s: the issuer never rotated, so the session goes on`, async () => {
    // Prepare
    const { cookie } = await signIn('ada');
    await strand(cookie, STALE_ROTATION_SECONDS + 5);

    // Act
    const refreshed = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(refreshed.status).toBe(200);
    expect(open(key, cookieOf(refreshed)!)!.gen).toBe(2);
    expect((await auth('/api/auth/refresh', { cookie: cookieOf(refreshed)! })).status).toBe(200);
  });

  it('is taken over and ends the session when the issuer had already rotated (invalid_grant)', async () => {
    // Prepare: the stopped function's refresh went through at the issuer.
    const { cookie } = await signIn('ada');
    expect(await issuerAccepts(open(key, cookie)!.rt)).toBe(true);
    await strand(cookie, STALE_ROTATION_SECONDS + 5);

    // Act
    const refused = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(refused.status).toBe(401);
    expect(cookieOf(refused)).toBe('');
  });
});

describe('an issuer that rotates but returns an access token the API refuses', () => {
  it('answers 502, revokes what it minted and ends the family instead of leaving the rotation in flight', async () => {
    // Prepare
    const { cookie } = await signIn('ada');
    proxy.mode = 'foreign-token';

    // Act
    const refused = await auth('/api/auth/refresh', { cookie });
    proxy.mode = 'pass';
    const again = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(refused.status).toBe(502);
    expect(refused.body.accessToken).toBeUndefined();
    expect(await issuerAccepts(proxy.lastMinted!.refresh_token!)).toBe(false);
    expect(again.status).toBe(401);
  });
});

/** The session routes' own service on this test's table, cookie key and issuer, with the verifier given. */
const serviceDeps = (verify: SessionDeps['verify']): SessionDeps => ({
  config: sessionConfigFromEnv(),
  store: api.store,
  key,
  verify,
  now: () => Math.floor(Date.now() / 1000),
  globalSignOut: async () => 'no-user-pool',
});
const keysUnreachable = async (): Promise<never> => {
  throw new KeysUnavailable('JWKS request failed with 503');
};

describe('a refresh whose new access token cannot be checked (the issuer\'s keys are unreachable)', () => {
  it('keeps the rotation and answers 503 with the rotated cookie and no token; the retry refreshes from there', async () => {
    // Prepare: the session routes' own service, with a verifier whose key fetch fails once.
    const { cookie } = await signIn('ada');
    const verify = createTokenVerifier(authConfigFromEnv());
    let keysDown = true;
    const deps = serviceDeps(async (token) => (keysDown ? keysUnreachable() : verify(token)));

    // Act: the 503 is answered; then the old cookie comes again (as if that 503 were lost); then the
    // cookie the 503 carried.
    const unavailable = await refreshSession(deps, cookie).then(
      () => undefined,
      (error: { statusCode?: number; headers?: Record<string, string> }) => error,
    );
    keysDown = false;
    const next = /^__Host-rungs-session=([^;]*)/.exec(unavailable?.headers?.['Set-Cookie'] ?? '')?.[1];
    const lostRetry = await auth('/api/auth/refresh', { cookie });
    const retried = await auth('/api/auth/refresh', { cookie: next! });

    // Assess: 503 without a token but with the rotated cookie, whose refresh is an ordinary one.
    expect(unavailable?.statusCode).toBe(503);
    expect(unavailable?.headers?.['Retry-After']).toBe('2');
    expect(open(key, next!)!.gen).toBe(2);
    // The unchecked token is never handed out, not even to a retry of the old cookie.
    expect(lostRetry.status).toBe(503);
    expect(lostRetry.body.accessToken).toBeUndefined();
    expect(open(key, cookieOf(lostRetry)!)).toEqual(open(key, next!));
    expect(retried.status).toBe(200);
    expect(open(key, cookieOf(retried)!)!.gen).toBe(3);
    expect(await issuerAccepts(open(key, cookie)!.rt)).toBe(false);
  });
});

describe('a sign-in whose access token cannot be checked (the issuer\'s keys are unreachable)', () => {
  it('answers 503, starts no session and revokes the refresh token the issuer minted for the code', async () => {
    // Prepare
    proxy.mode = 'pass';
    const deps = serviceDeps(keysUnreachable);
    const input = await authorizeAtIssuer(api.issuer.issuer, api.issuer.clientId, 'ada');

    // Act
    const failure = await startSession(deps, input).then(
      () => undefined,
      (error: { statusCode?: number }) => error.statusCode,
    );

    // Assess
    expect(failure).toBe(503);
    expect(proxy.lastMinted?.refresh_token).toBeDefined();
    expect(await issuerAccepts(proxy.lastMinted!.refresh_token!)).toBe(false);
  });
});

describe('the answer kept for a lost response, once its cookie was used', () => {
  it('is gone after the next claim, even when that claim is given back because the issuer was down', async () => {
    // Prepare: a rotation whose answer is taken as lost, then the new cookie's refresh meets an issuer outage.
    const { cookie } = await signIn('ada');
    const lost = await auth('/api/auth/refresh', { cookie });
    proxy.mode = 'fail-503';
    const down = await auth('/api/auth/refresh', { cookie: cookieOf(lost)! });
    proxy.mode = 'pass';

    // Act: the first cookie comes back within the window.
    const late = await auth('/api/auth/refresh', { cookie });

    // Assess: its successor was used (the generation was given back, not the answer), so it is a copy.
    expect(down.status).toBe(503);
    expect(late.status).toBe(401);
    expect(late.body.type).toBe('/problems/session-ended');
  });
});

describe('a refresh that waited on another', () => {
  it(`answers 503 refresh-in-progress instead of rotating itself when the rotation it waited on is given back after ${ROTATE_WITHIN_MS / 1000} s`, async () => {
    // Prepare: the first refresh waits at the issuer; the second waits on the first.
    const { cookie } = await signIn('ada');
    const arrived = hold(proxy);
    const first = auth('/api/auth/refresh', { cookie });
    await arrived;
    const second = auth('/api/auth/refresh', { cookie });

    // Act: past the budget, the first's issuer call fails and its rotation is given back.
    // (+800 ms: the second reaches the function after the limiter's write, well within that; the
    // issuer's 3 s timeout on the first ends the same way if it comes first.)
    await new Promise((r) => setTimeout(r, ROTATE_WITHIN_MS + 800));
    proxy.mode = 'fail-503';
    proxy.held!.release();
    const [one, two] = await Promise.all([first, second]);
    proxy.mode = 'pass';
    const retried = await auth('/api/auth/refresh', { cookie });

    // Assess
    expect(one.status).toBe(503);
    expect(two.status).toBe(503);
    expect(two.body.type).toBe('/problems/refresh-in-progress');
    expect(retried.status).toBe(200);
    expect(open(key, cookieOf(retried)!)!.gen).toBe(2);
  }, 30_000);
});

describe('a token for someone else while the keys are out of reach', () => {
  it('ends the family and revokes what was minted instead of keeping the rotation', async () => {
    // Prepare: a family of grace's whose cookie carries ada's refresh token (an issuer mixing up grants).
    proxy.mode = 'pass';
    const { cookie } = await signIn('ada');
    const ada = open(key, cookie)!;
    await createFamily(api.store, { sub: 'grace', familyId: ada.fid, generation: 1, started: ada.started, seen: ada.seen }, ada.started + 3600);
    const mixed = seal(key, { ...ada, sub: 'grace' });
    const deps = serviceDeps(keysUnreachable);

    // Act
    const refused = await refreshSession(deps, mixed).then(
      () => undefined,
      (error: { statusCode?: number; headers?: Record<string, string> }) => error,
    );

    // Assess
    expect(refused?.statusCode).toBe(401);
    expect(refused?.headers?.['Set-Cookie']).toContain('Max-Age=0');
    expect(await issuerAccepts(proxy.lastMinted!.refresh_token!)).toBe(false);
    const family = await api.store.doc.send(new GetCommand({ TableName: api.store.tableName, Key: keys.session('grace', ada.fid), ConsistentRead: true }));
    expect(family.Item).toBeUndefined();
  });
});
