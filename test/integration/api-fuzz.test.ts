import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes, routeKey } from '../../lambdas/api/routes';
import { startTestApi, type Request, type TestApi } from '../support/api';

/**
 * Property: whatever the body, path or query, every route answers below 500 — malformed input is a
 * 4xx problem, never a crash. Bodies mix arbitrary JSON and text with near-valid shapes so that
 * generated inputs also reach grading, scheduling and the conditional writes.
 */

let api: TestApi;
let tokens: Record<string, string>;
beforeAll(async () => {
  api = await startTestApi();
  tokens = { learner: await api.issuer.mintAccessToken('ada'), author: await api.issuer.mintAccessToken('alan') };
});
afterAll(() => api?.stop());

const known = ['authorization-code-pkce', 'pkce-protects', 'code-flow-steps', 'code-flow-recall', 'stolen-code', 'phishing', 'make-verifier', 'sign-in'];
const word = fc.oneof(fc.constantFrom(...known), fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }));
const answer = fc.oneof(
  fc.record({ choices: fc.array(word, { maxLength: 6 }) }),
  fc.record({ order: fc.array(word, { maxLength: 8 }) }),
  fc.record({ prompt: fc.oneof(fc.constantFrom('parties', 'why-s256'), fc.string()), rating: fc.oneof(fc.constantFrom('again', 'hard', 'good', 'easy'), fc.string()) }),
  fc.jsonValue(),
);
const body = fc.oneof(
  fc.record({ itemId: word, answer }, { requiredKeys: [] }),
  fc.record({ answer }, { requiredKeys: [] }),
  fc.record({ status: fc.oneof(fc.constantFrom('started', 'completed'), fc.string()), position: fc.oneof(word, fc.integer()), version: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
).map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
const segment = word.map((value) => encodeURIComponent(value));
const query = fc.dictionary(fc.constantFrom('due', 'limit', 'x'), fc.oneof(fc.constantFrom('now', '2030-01-01T00:00:00Z', '5', '-1', '1000'), fc.string()), { maxKeys: 3 });
const caller = fc.constantFrom<'learner' | 'author' | 'anonymous'>('learner', 'author', 'anonymous');
// Sometimes a same-origin request, so that the session routes (cookie, CSRF check) are reached too.
const headers = fc.option(
  fc.record({ 'idempotency-key': fc.string({ maxLength: 200 }), 'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none') }, { requiredKeys: [] }),
  { nil: undefined },
);

/** Every route of the route table (a new one is fuzzed too), its path parameters filled with the segment; DELETE /api/me has its own property below. */
const routes = allRoutes()
  .map(({ route }) => route)
  .filter((route) => routeKey(route) !== 'DELETE /api/me')
  .map((route) => ({ name: routeKey(route), build: (s: string): Pick<Request, 'method' | 'path'> => ({ method: route.method, path: route.path.replace(/\{\w+\}/g, s) }) }));

describe('fuzzed requests', () => {
  routes.forEach((route, index) => {
    it(`never answers ${route.name} with a 5xx`, async () => {
      // A learner, an author and a network of its own per route, so that one route's quota never decides another's answers.
      const own = {
        learner: api.issuer.signWithIssuerKey({ sub: `fuzz-${index}`, aud: api.issuer.clientId }, { typ: 'at+jwt' }),
        author: api.issuer.signWithIssuerKey({ sub: `fuzz-author-${index}`, aud: api.issuer.clientId, groups: ['authors'] }, { typ: 'at+jwt' }),
      };
      const sourceIp = `10.0.${index}.7`;
      const statuses: number[] = [];
      await fc.assert(
        fc.asyncProperty(segment, body, query, caller, headers, async (s, rawBody, q, who, extra) => {
          const token = who === 'anonymous' ? undefined : own[who];
          const response = await api.call({ ...route.build(s), rawBody, query: q, sourceIp, ...(token ? { token } : {}), ...(extra ? { headers: extra } : {}) });
          statuses.push(response.status);
          expect(response.status, `${route.name} ${s} ${rawBody}`).toBeLessThan(500);
          expect(response.status).toBeGreaterThanOrEqual(200);
        }),
        { numRuns: 60 },
      );
      // The inputs reached the route: not mostly turned away by the rate limiter.
      expect(statuses.filter((status) => status === 429).length, route.name).toBeLessThan(statuses.length / 2);
    });
  });

  it('never answers DELETE /api/me with a 5xx, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(body, caller, async (rawBody, who) => {
        const token = who === 'anonymous' ? undefined : tokens[who];
        const response = await api.call({ method: 'DELETE', path: '/api/me', rawBody, ...(token ? { token } : {}) });
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 20 },
    );
  });
});
