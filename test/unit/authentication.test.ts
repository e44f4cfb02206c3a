import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { JwtExpiredError, JwtNotBeforeError, JwtInvalidSignatureError, KidNotFoundInJwksError, WaitPeriodNotYetEndedJwkError } from 'aws-jwt-verify/error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../lambdas/middleware/auth-config';
import {
  accessTokenCheck,
  assertCanonicalJwt,
  authenticate,
  callerOf,
  createTokenVerifier,
  identityOf,
  insufficientAuthentication,
  KeysUnavailable,
  keysNotReady,
  MAX_CLOCK_SKEW_SECONDS,
  sessionEnded,
} from '../../lambdas/middleware/auth';
import type { ApiContext, Identity } from '../../lambdas/middleware/request-context';

/**
 * The authentication middleware in one process: which tokens and headers it accepts, the exact
 * challenge and problem each rejection carries, groups and step-up. Tokens are signed with an RSA key
 * served as JWKS from a loopback server, as the local issuer serves its keys.
 */

const config: AuthConfig = { issuer: 'http://127.0.0.1/issuer', audience: 'rungs-web', jwksUri: '', tokenUse: 'access', authorsGroup: 'editors', groupsClaim: 'groups' };
const NOW = 1_800_000_000;
const clock = () => NOW * 1000;
const base = { sub: 'ada', iat: NOW - 10, exp: NOW + 600 };
const check = (payload: Record<string, unknown>, header: Record<string, unknown> = { typ: 'at+jwt' }) => () =>
  accessTokenCheck(config, clock)({ header: { alg: 'RS256', ...header } as never, payload: payload as never });

describe('access-token claims', () => {
  it('accepts an RFC 9068 token for this audience, alone or among others, and a Cognito token by client_id', () => {
    expect(check({ ...base, aud: 'rungs-web' })).not.toThrow();
    expect(check({ ...base, aud: ['other', 'rungs-web'] })).not.toThrow();
    expect(check({ ...base, aud: 'rungs-web' }, { typ: 'application/at+jwt' })).not.toThrow();
    expect(check({ ...base, aud: 'rungs-web' }, { typ: 'AT+JWT' })).not.toThrow();
    expect(check({ ...base, token_use: 'access', client_id: 'rungs-web' }, {})).not.toThrow();
  });

  it.each([
    ['no exp', { sub: 'ada', iat: NOW, aud: 'rungs-web' }, 'token has no expiry (exp)'],
    ['no iat', { sub: 'ada', exp: NOW + 60, aud: 'rungs-web' }, 'token has no issue time (iat)'],
    ['iat beyond the clock skew', { ...base, iat: NOW + MAX_CLOCK_SKEW_SECONDS + 1, aud: 'rungs-web' }, 'token issued in the future (iat)'],
    ['an ID token (token_use id)', { ...base, token_use: 'id', client_id: 'rungs-web' }, 'token_use must be "access"'],
    ['another audience', { ...base, aud: 'other' }, 'token is not meant for this client (audience)'],
    ['an empty audience list with our client_id', { ...base, aud: [], client_id: 'other' }, 'token is not meant for this client (audience)'],
    ['aud of another client beside our client_id', { ...base, aud: 'other', client_id: 'rungs-web' }, 'token is not meant for this client (audience)'],
    ['no subject', { iat: base.iat, exp: base.exp, aud: 'rungs-web' }, 'token has no subject'],
    ['an empty subject', { ...base, sub: '', aud: 'rungs-web' }, 'token has no subject'],
    ['a numeric subject', { ...base, sub: 7, aud: 'rungs-web' }, 'token has no subject'],
  ])('refuses %s', (_name, payload, message) => {
    expect(check(payload)).toThrow(message);
  });

  it('accepts iat exactly at the clock skew, refuses a second more', () => {
    expect(check({ ...base, iat: NOW + MAX_CLOCK_SKEW_SECONDS, aud: 'rungs-web' })).not.toThrow();
    expect(check({ ...base, iat: NOW + MAX_CLOCK_SKEW_SECONDS + 1, aud: 'rungs-web' })).toThrow('future');
  });

  it('refuses a Cognito-shaped token of another app client and a token without typ or token_use', () => {
    expect(check({ ...base, token_use: 'access', client_id: 'other' }, {})).toThrow('audience');
    expect(check({ ...base, aud: 'rungs-web' }, {})).toThrow('not an access token (typ must be at+jwt)');
    expect(check({ ...base, aud: 'rungs-web' }, { typ: 'JWT' })).toThrow('not an access token (typ must be at+jwt)');
  });
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the spelling of a token', () => {
  const good = `${b64({ alg: 'RS256', typ: 'at+jwt' })}.${b64(base)}.${Buffer.from('signature bytes').toString('base64url')}`;

  it('accepts canonical base64url parts and a header without crit', () => {
    expect(() => assertCanonicalJwt(good)).not.toThrow();
  });

  it.each([
    ['two parts', good.split('.').slice(0, 2).join('.'), 'a JWT has three parts'],
    ['four parts', `${good}.x`, 'a JWT has three parts'],
    ['padding', `${good}=`, 'non-canonical base64url'],
    ['padding in the header', good.replace('.', '=.'), 'non-canonical base64url'],
    ['standard base64 characters', `${good.slice(0, -1)}+`, 'non-canonical base64url'],
    ['a last character with non-zero unused bits', `${good.split('.').slice(0, 2).join('.')}.${Buffer.from('ab').toString('base64url').slice(0, -1)}h`, 'non-canonical base64url'],
    ['a header that is not JSON', `${Buffer.from('{not json').toString('base64url')}.${b64(base)}.AAAA`, 'header is not JSON'],
    ['a header that is JSON but no object', `${b64('text')}.${b64(base)}.AAAA`, 'unsupported critical header parameter (crit)'],
    ['a null header', `${b64(null)}.${b64(base)}.AAAA`, 'unsupported critical header parameter (crit)'],
    ['a crit header', `${b64({ alg: 'RS256', crit: ['exp'], exp: 1 })}.${b64(base)}.AAAA`, 'unsupported critical header parameter (crit)'],
  ])('refuses %s', (_name, token, message) => {
    expect(() => assertCanonicalJwt(token)).toThrow(message);
  });
});

describe('the identity a token gives', () => {
  it('merges groups from cognito:groups and the configured claim, as lists or space/comma separated', () => {
    // Act
    const identity = identityOf({ ...base, 'cognito:groups': ['a', 'b', 3], groups: 'b, c  d,,', scope: 'openid profile', auth_time: NOW - 5 } as never, config);

    // Assess
    expect(identity).toEqual({ sub: 'ada', groups: ['a', 'b', 'c', 'd'], scopes: ['openid', 'profile'], issuedAt: NOW - 10, authTime: NOW - 5 });
  });

  it('has no auth time when the token carries none or a non-number, and no groups from other claims', () => {
    expect(identityOf({ ...base, roles: ['x'] } as never, config)).toEqual({ sub: 'ada', groups: [], scopes: [], issuedAt: NOW - 10 });
    expect(identityOf({ ...base, auth_time: String(NOW) } as never, config)).not.toHaveProperty('authTime');
  });
});

interface Rejection {
  statusCode: number;
  problem: { type?: string; detail?: string; extensions?: Record<string, unknown> };
  headers: Record<string, string>;
}

/** Runs the middleware's `before` on a request with these headers; the caller it set, or the problem it threw. */
async function run(mode: Parameters<typeof authenticate>[0], headers: Record<string, string>, options: Omit<NonNullable<Parameters<typeof authenticate>[1]>, 'config'> = {}) {
  const middleware = authenticate(mode, { config, verify: async () => ({ sub: 'ada', groups: [], scopes: [], issuedAt: NOW }), ...options });
  const request = { event: { headers }, context: {} as ApiContext, internal: {}, response: undefined, error: undefined };
  try {
    await middleware.before!(request as never);
    return { caller: request.context.caller };
  } catch (error) {
    return { rejected: error as Rejection };
  }
}

describe('the Authorization header', () => {
  it('lets a public route through without reading any header, even a broken one', async () => {
    expect(await run('public', { authorization: 'garbage' })).toEqual({ caller: undefined });
  });

  it('lets an optional route through anonymously without a header, but never with a bad one', async () => {
    expect(await run('optional', {})).toEqual({ caller: undefined });
    const { rejected } = await run('optional', { authorization: 'Basic abc' });
    expect(rejected?.statusCode).toBe(401);
  });

  it('asks for a token without an error code when none is sent (RFC 6750)', async () => {
    const { rejected } = await run('required', {});
    expect(rejected).toMatchObject({
      statusCode: 401,
      problem: { type: 'unauthorized', detail: 'This route needs a bearer access token.' },
      headers: { 'WWW-Authenticate': 'Bearer realm="rungs"' },
    });
  });

  it.each(['Basic YWRhOnB3', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b', 'xBearer abc', 'Bearer abc extra'])('calls "%s" malformed', async (value) => {
    const { rejected } = await run('required', { authorization: value });
    expect(rejected).toMatchObject({
      statusCode: 401,
      problem: { type: 'unauthorized', detail: 'The access token was rejected: malformed Authorization header.' },
      headers: { 'WWW-Authenticate': 'Bearer realm="rungs", error="invalid_token", error_description="malformed Authorization header"' },
    });
  });

  it('reads the token after "Bearer" in any case, with extra spaces, from either header spelling', async () => {
    const seen: string[] = [];
    const verify = async (token: string): Promise<Identity> => {
      seen.push(token);
      return { sub: 'ada', groups: [], scopes: [], issuedAt: NOW };
    };
    await run('required', { authorization: '  bearer   abc.def-_~+/==  ' }, { verify });
    await run('required', { Authorization: 'Bearer xyz' }, { verify });
    expect(seen).toEqual(['abc.def-_~+/==', 'xyz']);
  });

  it('names the kind of rejection and never echoes the library', async () => {
    const fail = (error: Error) => ({ verify: async () => Promise.reject(error) });
    const expired = await run('required', { authorization: 'Bearer t' }, fail(new JwtExpiredError('expired at 12:00', 1)));
    const early = await run('required', { authorization: 'Bearer t' }, fail(new JwtNotBeforeError('not before 13:00', 1)));
    const other = await run('required', { authorization: 'Bearer t' }, fail(new Error('signature mismatch for kid 42')));
    expect(expired.rejected?.headers['WWW-Authenticate']).toBe('Bearer realm="rungs", error="invalid_token", error_description="token expired"');
    expect(early.rejected?.problem.detail).toBe('The access token was rejected: token not yet valid.');
    expect(other.rejected?.problem.detail).toBe('The access token was rejected: invalid token.');
  });

  it('answers 503 with Retry-After, not 401, when the signing keys cannot be fetched (the token may be fine)', async () => {
    // Act
    const { rejected } = await run('required', { authorization: 'Bearer t' }, { verify: async () => Promise.reject(new KeysUnavailable('JWKS request failed with 500')) });

    // Assess
    expect(rejected).toMatchObject({ statusCode: 503, problem: { type: 'keys-unavailable' }, headers: { 'Retry-After': '2' } });
    expect(rejected?.headers['WWW-Authenticate']).toBeUndefined();
  });

  it('counts unreachable keys, a key id the set does not hold yet and the wait after one as keys not ready for a token the issuer just minted, nothing else', () => {
    expect(keysNotReady(new KeysUnavailable('down'))).toBe(true);
    expect(keysNotReady(new WaitPeriodNotYetEndedJwkError('wait'))).toBe(true);
    expect(keysNotReady(new KidNotFoundInJwksError('no such kid'))).toBe(true);
    expect(keysNotReady(new JwtInvalidSignatureError('bad signature'))).toBe(false);
    expect(keysNotReady(new Error('JWKS request failed'))).toBe(false);
  });

  it('says "session ended" for revoked tokens', () => {
    expect(sessionEnded()).toMatchObject({ statusCode: 401, headers: { 'WWW-Authenticate': 'Bearer realm="rungs", error="invalid_token", error_description="session ended"' } });
  });
});

describe('groups and step-up', () => {
  const member = (groups: string[], authTime?: number) => ({ verify: async (): Promise<Identity> => ({ sub: 'ada', groups, scopes: [], issuedAt: NOW, ...(authTime !== undefined ? { authTime } : {}) }) });

  it('lets members of the configured authors group in and tells others which group they lack', async () => {
    const ok = await run('authors', { authorization: 'Bearer t' }, member(['learners', 'editors']));
    const refused = await run('authors', { authorization: 'Bearer t' }, member(['authors']));
    const signedIn = await run('required', { authorization: 'Bearer t' }, member([]));
    expect(ok.caller?.groups).toEqual(['learners', 'editors']);
    expect(refused.rejected).toMatchObject({
      statusCode: 403,
      problem: { type: 'forbidden', detail: 'This route is for members of the "editors" group.' },
      headers: { 'WWW-Authenticate': 'Bearer realm="rungs", error="insufficient_scope"' },
    });
    expect(signedIn.caller?.sub).toBe('ada');
  });

  it('asks for a recent sign-in when auth_time is older than the limit, missing, or beyond the clock skew in the future', async () => {
    // Prepare
    const stepUp = (authTime?: number) => run('required', { authorization: 'Bearer t' }, { ...member([], authTime), maxAuthAgeSeconds: 300, clock });

    // Act
    const [fresh, atLimit, stale, unknown, slightlyAhead, farAhead] = await Promise.all([
      stepUp(NOW - 10),
      stepUp(NOW - 300),
      stepUp(NOW - 301),
      stepUp(undefined),
      stepUp(NOW + MAX_CLOCK_SKEW_SECONDS),
      stepUp(NOW + MAX_CLOCK_SKEW_SECONDS + 1),
    ]);

    // Assess
    expect([fresh, atLimit, slightlyAhead].map((r) => r.caller?.sub)).toEqual(['ada', 'ada', 'ada']);
    for (const refused of [stale, unknown, farAhead]) expect(refused.rejected?.problem.type).toBe('insufficient-user-authentication');
    expect(stale.rejected).toMatchObject({
      statusCode: 401,
      problem: { detail: 'This action needs a sign-in from the last 5 minutes: sign in again to continue.', extensions: { maxAge: 300 } },
      headers: { 'WWW-Authenticate': 'Bearer realm="rungs", error="insufficient_user_authentication", error_description="a more recent sign-in is required", max_age=300' },
    });
  });

  it('ignores the sign-in time on routes without a step-up rule', async () => {
    expect((await run('required', { authorization: 'Bearer t' }, member([], NOW - 86_400))).caller?.sub).toBe('ada');
  });

  it('describes the step-up in minutes from its seconds', () => {
    expect(insufficientAuthentication(600).problem.detail).toBe('This action needs a sign-in from the last 10 minutes: sign in again to continue.');
  });

  it('gives handlers the caller, or a 401 when there is none', () => {
    const caller = { sub: 'ada', groups: [], scopes: [], issuedAt: NOW };
    expect(callerOf({ caller } as unknown as ApiContext)).toBe(caller);
    expect(() => callerOf({} as ApiContext)).toThrow(expect.objectContaining({ statusCode: 401 }));
  });
});

describe('signature verification against a JWKS over loopback http', () => {
  let server: Server;
  let privateKey: KeyObject;
  let jwksStatus = 200;
  let verifierConfig: AuthConfig;

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.writeHead(jwksStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    verifierConfig = { ...config, issuer: `http://127.0.0.1:${port}`, jwksUri: `http://127.0.0.1:${port}/jwks` };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const signed = (payload: Record<string, unknown>) => {
    const head = `${b64({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${b64(payload)}`;
    return `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
  };
  const now = () => Math.floor(Date.now() / 1000);

  it('verifies a genuine token and returns its identity', async () => {
    // Prepare
    const verify = createTokenVerifier(verifierConfig);

    // Act
    const identity = await verify(signed({ iss: verifierConfig.issuer, sub: 'ada', aud: 'rungs-web', iat: now() - 5, exp: now() + 60, groups: ['editors'] }));

    // Assess
    expect(identity).toMatchObject({ sub: 'ada', groups: ['editors'] });
  });

  it('answers a caller\'s token with a key id the set does not hold 401 invalid_token, the first time and again at once', async () => {
    // Prepare: a genuine-looking token whose header names a key the issuer never published.
    const head = `${b64({ alg: 'RS256', typ: 'at+jwt', kid: 'forged' })}.${b64({ iss: verifierConfig.issuer, sub: 'ada', aud: 'rungs-web', iat: now() - 5, exp: now() + 60 })}`;
    const token = `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
    const middleware = authenticate('required', { config: verifierConfig, verify: createTokenVerifier(verifierConfig) });
    const attempt = async () => {
      const request = { event: { headers: { authorization: `Bearer ${token}` } }, context: {} as ApiContext, internal: {}, response: undefined, error: undefined };
      return (middleware.before!(request as never) as Promise<unknown>).then(
        () => undefined,
        (error: Rejection) => error,
      );
    };

    // Act
    const first = await attempt();
    const again = await attempt();

    // Assess: the token's fault, never an outage of the keys.
    for (const rejected of [first, again]) {
      expect(rejected?.statusCode).toBe(401);
      expect(rejected?.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    }
  });

  it('refuses a token of another issuer, a padded token, and a token when the key set cannot be fetched (as KeysUnavailable)', async () => {
    // Prepare
    const payload = { iss: verifierConfig.issuer, sub: 'ada', aud: 'rungs-web', iat: now() - 5, exp: now() + 60 };
    const verify = createTokenVerifier(verifierConfig);

    // Act / Assess
    await expect(verify(signed({ ...payload, iss: 'http://127.0.0.1:1/other' }))).rejects.toThrow();
    await expect(verify(`${signed(payload)}=`)).rejects.toThrow('non-canonical base64url');
    jwksStatus = 500;
    try {
      const unavailable = createTokenVerifier(verifierConfig)(signed(payload));
      await expect(unavailable).rejects.toThrow(/JWKS request to .* failed with 500/);
      await expect(unavailable).rejects.toBeInstanceOf(KeysUnavailable);
    } finally {
      jwksStatus = 200;
    }
    await expect(createTokenVerifier({ ...verifierConfig, jwksUri: 'http://127.0.0.1:1/jwks' })(signed(payload))).rejects.toBeInstanceOf(KeysUnavailable);
    // A bad signature is the token's fault, keys or not.
    await expect(verify(`${signed(payload).slice(0, -4)}AAAA`)).rejects.not.toBeInstanceOf(KeysUnavailable);
  });
});
