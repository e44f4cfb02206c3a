import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, SESSION_COOKIE } from '../../lambdas/session/cookie';
import { startTestApi, type Request, type Response, type TestApi } from '../support/api';
import { authorizeAtIssuer, SITE_ORIGIN } from '../support/sign-in';

/**
 * The refresh route when the issuer misbehaves or races with sign-out: the real local issuer sits
 * behind a pass-through proxy on its token endpoint that can answer 5xx, an OAuth error other than
 * invalid_grant, stall past the route's timeout, or hold a refresh until the test lets it go on.
 */
type Mode = 'pass' | 'fail-503' | 'throttled' | 'stall' | 'hold';

interface TokenProxy {
  url: string;
  mode: Mode;
  /** With `hold`: resolves when a refresh has reached the proxy; `release()` sends it on. */
  held?: { arrived: Promise<void>; arrivedNow: () => void; release: () => void };
  /** The issuer's last answer that went through (what it minted, whether or not the route passed it on). */
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
    }
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const text = await upstream.text();
    if (refresh && upstream.ok) proxy.lastMinted = JSON.parse(text) as TokenProxy['lastMinted'];
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(text);
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
