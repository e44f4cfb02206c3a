import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../bin/local/oidc';
import { allRoutes, routeKey, type ApiRoute } from '../../lambdas/api/routes';
import { authConfigFromEnv } from '../../lambdas/middleware/auth-config';
import { startTestApi, type Request, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

/** A request of each route in the route table that reads a token; a new such route without one fails the run. */
const sampleRequests: Record<string, Request> = {
  'GET /api/me/progress': { method: 'GET', path: '/api/me/progress' },
  'PUT /api/me/progress/{lessonId}': { method: 'PUT', path: '/api/me/progress/authorization-code-pkce', body: { status: 'started' } },
  'GET /api/me/reviews': { method: 'GET', path: '/api/me/reviews', query: { due: 'now' } },
  'POST /api/me/reviews/{itemId}': { method: 'POST', path: '/api/me/reviews/authorization-code-pkce.pkce-protects', body: { answer: { choices: ['stolen-code'] } } },
  'GET /api/me/stats': { method: 'GET', path: '/api/me/stats' },
  'GET /api/me/settings': { method: 'GET', path: '/api/me/settings' },
  'PUT /api/me/settings': { method: 'PUT', path: '/api/me/settings', body: { dailyGoal: 25 } },
  'GET /api/me/export': { method: 'GET', path: '/api/me/export' },
  'DELETE /api/me': { method: 'DELETE', path: '/api/me' },
  'GET /api/authors/lessons/{id}/stats': { method: 'GET', path: '/api/authors/lessons/authorization-code-pkce/stats' },
  'POST /api/me/merge': { method: 'POST', path: '/api/me/merge', body: { attempts: [] } },
  'POST /api/auth/sign-out-everywhere': { method: 'POST', path: '/api/auth/sign-out-everywhere', body: {}, headers: { 'sec-fetch-site': 'same-origin' } },
  'GET /api/authors/stats': { method: 'GET', path: '/api/authors/stats' },
  'POST /api/lessons/{id}/attempts': { method: 'POST', path: '/api/lessons/authorization-code-pkce/attempts', body: { itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } } },
};

const tokenRoutes = allRoutes().filter(({ route }) => route.auth !== 'public');
const sampleOf = (route: ApiRoute): Request => {
  const sample = sampleRequests[routeKey(route)];
  if (!sample) throw new Error(`No sample request for ${routeKey(route)}: add one to sampleRequests`);
  return sample;
};
/** Every route that reads a token; `required` and `authors` routes also refuse a request without one. */
const protectedRoutes = tokenRoutes.map(({ route }) => sampleOf(route));
const mandatoryRoutes = tokenRoutes.filter(({ route }) => route.auth !== 'optional').map(({ route }) => sampleOf(route));

const now = () => Math.floor(Date.now() / 1000);

/** Tokens that are each wrong in exactly one way; all but "bad signature" are signed with the issuer's real key. */
const badTokens: Record<string, () => Promise<string> | string> = {
  'a bad signature': async () => {
    const genuine = await api.issuer.mintAccessToken('ada');
    const [header, payload] = genuine.split('.');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signJwt(privateKey, JSON.parse(Buffer.from(header!, 'base64url').toString()).kid, JSON.parse(Buffer.from(payload!, 'base64url').toString()), { typ: 'at+jwt' });
    return forged;
  },
  'an expired token': () => api.issuer.signWithIssuerKey({ sub: 'ada', aud: api.issuer.clientId, client_id: api.issuer.clientId, iat: now() - 7200, exp: now() - 3600 }, { typ: 'at+jwt' }),
  'a token for another audience': () => api.issuer.signWithIssuerKey({ sub: 'ada', aud: 'some-other-client', client_id: 'some-other-client' }, { typ: 'at+jwt' }),
  'a token from another issuer': () => api.issuer.signWithIssuerKey({ iss: 'http://127.0.0.1:1/evil', sub: 'ada', aud: api.issuer.clientId }, { typ: 'at+jwt' }),
  'an ID token instead of an access token': () => api.issuer.signWithIssuerKey({ sub: 'ada', aud: api.issuer.clientId, nonce: 'n', auth_time: now() }, { typ: 'JWT' }),
  'a Cognito-style ID token (token_use id)': () => api.issuer.signWithIssuerKey({ sub: 'ada', aud: api.issuer.clientId, token_use: 'id' }),
  'a token that is not a JWT': () => 'not.a.jwt',
};

describe('authentication on every protected route', () => {
  it('has a sample request for every route that reads a token', () => {
    expect(Object.keys(sampleRequests).sort()).toEqual(tokenRoutes.map(({ route }) => routeKey(route)).sort());
  });

  for (const route of mandatoryRoutes) {
    it(`rejects ${route.method} ${route.path} without a token with 401 and a bare Bearer challenge`, async () => {
      // Act
      const response = await api.call(route);

      // Assess
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="rungs"');
      expect(response.headers['content-type']).toBe('application/problem+json');
    });
  }

  for (const [kind, make] of Object.entries(badTokens)) {
    it(`rejects ${kind} with 401 and error="invalid_token" on every route`, async () => {
      // Prepare
      const token = await make();

      // Act
      const responses = await Promise.all(protectedRoutes.map((route) => api.call({ ...route, token })));

      // Assess
      for (const response of responses) {
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="rungs", error="invalid_token", error_description="[^"]+"$/);
        expect(JSON.stringify(response.body)).not.toContain(token);
      }
    });
  }

  it('says "token expired" for an expired token', async () => {
    const token = await badTokens['an expired token']!();
    const response = await api.call({ ...mandatoryRoutes[0]!, token });
    expect(response.headers['www-authenticate']).toContain('error_description="token expired"');
  });

  it('rejects a malformed Authorization header with 401', async () => {
    const response = await api.call({ method: 'GET', path: '/api/me/progress', headers: { authorization: 'Basic YWRhOnB3' } });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('accepts an access token minted by the issuer', async () => {
    const token = await api.issuer.mintAccessToken('ada');
    const response = await api.call({ method: 'GET', path: '/api/me/progress', token });
    expect(response.status).toBe(200);
  });

  it('accepts a Cognito-style access token (token_use access, client_id, no aud, cognito:groups)', async () => {
    // Prepare
    const token = api.issuer.signWithIssuerKey({ sub: 'alan', token_use: 'access', client_id: api.issuer.clientId, 'cognito:groups': ['authors'], scope: 'openid' });

    // Act
    const response = await api.call({ method: 'GET', path: '/api/authors/lessons/authorization-code-pkce/stats', token });

    // Assess
    expect(response.status).toBe(200);
  });

  it('answers the author route with 403 for a learner token', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');

    // Act
    const response = await api.call({ method: 'GET', path: '/api/authors/lessons/authorization-code-pkce/stats', token });

    // Assess
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('/problems/forbidden');
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('lets an author read the stats', async () => {
    const token = await api.issuer.mintAccessToken('alan');
    const response = await api.call({ method: 'GET', path: '/api/authors/lessons/authorization-code-pkce/stats', token });
    expect(response.status).toBe(200);
    expect(response.body.items.map((i: { itemId: string }) => i.itemId).sort()).toEqual(['challenge-method', 'code-flow-recall', 'code-flow-steps', 'pkce-protects']);
  });
});

describe('identity configuration', () => {
  it('refuses to start with only half of the issuer/audience pair, naming what is missing', () => {
    expect(() => authConfigFromEnv({ AUTH_ISSUER: 'https://issuer.example' })).toThrow(/AUTH_AUDIENCE is not set/);
    expect(() => authConfigFromEnv({ AUTH_AUDIENCE: 'client' })).toThrow(/AUTH_ISSUER is not set/);
    expect(() => authConfigFromEnv({})).toThrow(/AUTH_ISSUER and AUTH_AUDIENCE are not set/);
  });

  it('refuses plain http for anything but a loopback issuer', () => {
    expect(() => authConfigFromEnv({ AUTH_ISSUER: 'http://issuer.example', AUTH_AUDIENCE: 'client' })).toThrow(/must use https/);
    expect(() => authConfigFromEnv({ AUTH_ISSUER: 'https://issuer.example', AUTH_AUDIENCE: 'c', AUTH_JWKS_URI: 'http://keys.example/jwks' })).toThrow(/AUTH_JWKS_URI must use https/);
  });

  it('derives the JWKS URI from the issuer and applies the defaults', () => {
    expect(authConfigFromEnv({ AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', AUTH_AUDIENCE: 'client' })).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      audience: 'client',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
      tokenUse: 'access',
      authorsGroup: 'authors',
      groupsClaim: 'groups',
    });
  });
});
