import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startPlatform, type Platform } from '../../bin/local/platform';
import { figureContentSecurityPolicy } from '../../web/csp';

/** The local platform over real HTTP: its OIDC issuer, the adapter and the same handlers as Lambda. */
describe('local platform API with sign-in', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform({ port: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `e2e-api-${randomUUID()}` });
  });
  afterAll(() => platform?.stop());

  it('publishes OIDC discovery whose JWKS the API verifies tokens against', async () => {
    // Act
    const discovery = (await (await fetch(`${platform.identity.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string; code_challenge_methods_supported: string[] };

    // Assess
    expect(discovery.issuer).toBe(platform.identity.issuer);
    expect(discovery.jwks_uri).toBe(platform.identity.jwksUri);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(process.env.AUTH_JWKS_URI).toBe(discovery.jwks_uri);
  });

  it('records a signed-in attempt over HTTP and shows it in the review queue', async () => {
    // Prepare
    const token = await platform.identity.mintAccessToken('ada');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // Act
    const attempt = await fetch(`${platform.url}/api/lessons/authorization-code-pkce/attempts`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': 'e2e-1' },
      body: JSON.stringify({ itemId: 'code-flow-recall', answer: { prompt: 'parties', rating: 'again' } }),
    });
    const later = new Date(Date.now() + 86400_000).toISOString();
    const queue = await fetch(`${platform.url}/api/me/reviews?due=${encodeURIComponent(later)}`, { headers });
    const anonymous = await fetch(`${platform.url}/api/me/reviews?due=now`);

    // Assess
    expect(attempt.status).toBe(201);
    expect(((await queue.json()) as { cards: { id: string }[] }).cards.map((c) => c.id)).toEqual(['authorization-code-pkce.code-flow-recall--parties']);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="rungs"');
  });

  it('answers an over-long bearer token as the API answers a refusal: problem+json 431 with a Bearer challenge', async () => {
    // Prepare: a 100 KB token, far past API Gateway's 10,240-byte header quota
    const token = 'a'.repeat(100_000);

    // Act
    const response = await fetch(`${platform.url}/api/me/progress`, { headers: { authorization: `Bearer ${token}` } });
    const anonymous = await fetch(`${platform.url}/api/catalog`, { headers: { 'x-padding': 'p'.repeat(20_000) } });

    // Assess
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
    expect(await response.json()).toMatchObject({ type: '/problems/request-header-fields-too-large', status: 431, instance: '/api/me/progress' });
    expect(anonymous.status).toBe(431);
    expect(anonymous.headers.get('www-authenticate')).toBeNull();
  });

  it('serves its 404 page with the same Content-Security-Policy as every other page', async () => {
    // Act
    const [missing, home] = await Promise.all([fetch(`${platform.url}/no/such/page/`), fetch(`${platform.url}/`)]);

    // Assess
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBeTruthy();
    expect(missing.headers.get('content-security-policy')).toBe(home.headers.get('content-security-policy'));
  });

  it('serves /figures/* with the sandboxing figure policy, as CloudFront does, and pages with the site policy', async () => {
    // Prepare: the PKCE lesson's figure, published by the first ingest under its hashed name.
    const name = [...platform.site.immutable.keys()].find((key) => key.startsWith('figures/pkce-flow-'))!;

    // Act
    const [figure, home] = await Promise.all([fetch(`${platform.url}/${name}`), fetch(`${platform.url}/`)]);

    // Assess
    expect(figure.status).toBe(200);
    expect(figure.headers.get('content-type')).toBe('image/svg+xml');
    expect(figure.headers.get('content-security-policy')).toBe(figureContentSecurityPolicy());
    expect(figure.headers.get('content-security-policy')).toMatch(/(^|; )sandbox(;|$)/);
    expect(home.headers.get('content-security-policy')).not.toMatch(/sandbox/);
  });
});
