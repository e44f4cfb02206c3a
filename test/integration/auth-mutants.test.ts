import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';

/**
 * Token checks that no other test pinned (found by mutation testing): each case differs from an
 * accepted token in exactly one claim, so a check that is dropped or weakened lets it through.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

const now = () => Math.floor(Date.now() / 1000);
const times = () => ({ iat: now() - 10, exp: now() + 600 });
const progress = (token: string) => api.call({ method: 'GET', path: '/api/me/progress', token });
const description = (header: string | undefined) => /error_description="([^"]*)"/.exec(header ?? '')?.[1];

describe('access-token claims', () => {
  it('accepts a Cognito-shaped access token (no aud) only when client_id is this app client', async () => {
    // Prepare
    const cognito = (clientId: string) => api.issuer.signWithIssuerKey({ sub: 'ada', token_use: 'access', client_id: clientId, ...times() });

    // Act
    const ours = await progress(cognito(api.issuer.clientId));
    const otherClient = await progress(cognito('another-app-client'));

    // Assess
    expect(ours.status).toBe(200);
    expect(otherClient.status).toBe(401);
    expect(description(otherClient.headers['www-authenticate'])).toBe('invalid token');
  });

  it('rejects a token whose aud names another client even when its client_id is this one', async () => {
    // Act
    const response = await progress(api.issuer.signWithIssuerKey({ sub: 'ada', aud: 'another-app-client', client_id: api.issuer.clientId, ...times() }, { typ: 'at+jwt' }));

    // Assess
    expect(response.status).toBe(401);
  });

  it('rejects a token without a subject, or with an empty one', async () => {
    // Act
    const [missing, empty] = await Promise.all([
      progress(api.issuer.signWithIssuerKey({ aud: api.issuer.clientId, ...times() }, { typ: 'at+jwt' })),
      progress(api.issuer.signWithIssuerKey({ sub: '', aud: api.issuer.clientId, ...times() }, { typ: 'at+jwt' })),
    ]);

    // Assess
    expect([missing.status, empty.status]).toEqual([401, 401]);
  });

  it('names the kind of rejection: expired, not yet valid, or invalid', async () => {
    // Prepare
    const base = { sub: 'ada', aud: api.issuer.clientId };
    const expired = api.issuer.signWithIssuerKey({ ...base, iat: now() - 7200, exp: now() - 3600 }, { typ: 'at+jwt' });
    const early = api.issuer.signWithIssuerKey({ ...base, iat: now() - 10, nbf: now() + 3600, exp: now() + 7200 }, { typ: 'at+jwt' });
    const forged = `${api.issuer.signWithIssuerKey({ ...base, ...times() }, { typ: 'at+jwt' }).slice(0, -4)}AAAA`;

    // Act
    const responses = await Promise.all([expired, early, forged].map(progress));

    // Assess
    expect(responses.map((r) => [r.status, description(r.headers['www-authenticate'])])).toEqual([
      [401, 'token expired'],
      [401, 'token not yet valid'],
      [401, 'invalid token'],
    ]);
  });

  it('accepts an access token carrying groups in the configured claim and in cognito:groups', async () => {
    // Act: the author route needs the authors group, here from either claim
    const viaCognito = api.issuer.signWithIssuerKey({ sub: 'alan', token_use: 'access', client_id: api.issuer.clientId, 'cognito:groups': ['authors'], ...times() });
    const viaClaim = api.issuer.signWithIssuerKey({ sub: 'alan', aud: api.issuer.clientId, groups: 'readers authors', ...times() }, { typ: 'at+jwt' });
    const without = api.issuer.signWithIssuerKey({ sub: 'alan', aud: api.issuer.clientId, groups: ['readers'], ...times() }, { typ: 'at+jwt' });
    const stats = (token: string) => api.call({ method: 'GET', path: '/api/authors/lessons/authorization-code-pkce/stats', token });
    const responses = await Promise.all([viaCognito, viaClaim, without].map(stats));

    // Assess
    expect(responses.map((r) => r.status)).toEqual([200, 200, 403]);
  });
});
