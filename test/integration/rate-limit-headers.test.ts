import { describe, expect, it } from 'vitest';
import { problem } from '../../lambdas/middleware/problem';
import { compilePolicySets } from '../../lambdas/ratelimit/config';
import { DynamoLimiter } from '../../lambdas/ratelimit/limiter';
import { freshLimiterStore, limitedHandler, manualClock, recordingMetrics } from './rate-limit-support';

const limits = [
  { name: 'burst', limit: 3, periodSeconds: 60 },
  { name: 'daily', limit: 5, periodSeconds: 86_400 },
];
const policySets = compilePolicySets({ default: { anonymous: limits, learner: limits, author: limits } });
const POLICY = '"burst";q=3;w=60, "daily";q=5;w=86400';

describe('RateLimit headers for a scripted sequence (clock injected)', () => {
  it('reports remaining quota and reset on every response, then 429 with Retry-After naming the policy', async () => {
    // Prepare: burst T = 20 s, daily T = 17 280 s
    const store = await freshLimiterStore();
    const clock = manualClock(Date.UTC(2026, 10, 23, 12));
    const metrics = recordingMetrics();
    const call = limitedHandler({}, { limiter: () => limiter, policySets, metrics });
    const limiter = new DynamoLimiter({ store, clock: clock.now });
    const at = async (offsetMs: number) => {
      clock.set(clock.start + offsetMs);
      return call();
    };

    // Act
    const responses = [await at(0), await at(1_000), await at(2_000), await at(3_000), await at(4_000), await at(20_000)];

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 429, 429, 200]);
    expect(responses.every((r) => r.headers?.['RateLimit-Policy'] === POLICY)).toBe(true);
    expect(responses.map((r) => r.headers?.RateLimit)).toEqual([
      // `t`: seconds until the next unit comes back; a 429 names only the violated policy, whose `t`
      // is never later than Retry-After.
      '"burst";r=2;t=20, "daily";r=4;t=17280',
      '"burst";r=1;t=19, "daily";r=3;t=17279',
      '"burst";r=0;t=18, "daily";r=2;t=17278',
      '"burst";r=0;t=17',
      '"burst";r=0;t=16',
      '"burst";r=0;t=20, "daily";r=1;t=17260',
    ]);
    expect(responses.map((r) => r.headers?.['Retry-After'])).toEqual([undefined, undefined, undefined, '17', '16', undefined]);
    expect(responses[3]!.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(responses[3]!.body ?? '{}')).toEqual({
      type: '/problems/rate-limited',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Rate limit "burst" is exhausted; retry after 17 s.',
      instance: '/api/test',
      policy: 'burst',
      retryAfterSeconds: 17,
    });
    expect(metrics.outcomes).toEqual(['allowed', 'allowed', 'allowed', 'cached-block', 'cached-block', 'allowed']);
  });

  it('adds the headers to a problem the handler throws', async () => {
    // Prepare
    const store = await freshLimiterStore();
    const limiter = new DynamoLimiter({ store });
    const call = limitedHandler({}, { limiter: () => limiter, policySets, metrics: recordingMetrics() }, async () => {
      throw problem(404, 'Not Found', { type: 'not-found' });
    });

    // Act
    const response = await call();

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json', 'RateLimit-Policy': POLICY, RateLimit: '"burst";r=2;t=20, "daily";r=4;t=17280' });
  });

  it('keys a signed-in caller by sub and an anonymous one by client IP, with the tier from verified groups', async () => {
    // Prepare: each tier gets a different burst so the policy field shows which tier applied
    const store = await freshLimiterStore();
    const limiter = new DynamoLimiter({ store });
    const tiered = compilePolicySets({
      default: {
        anonymous: [{ name: 'burst', limit: 2, periodSeconds: 60 }],
        learner: [{ name: 'burst', limit: 4, periodSeconds: 60 }],
        author: [{ name: 'burst', limit: 8, periodSeconds: 60 }],
      },
    });
    const call = limitedHandler({}, { limiter: () => limiter, policySets: tiered, metrics: recordingMetrics() });
    const author = { sub: 'u-1', groups: ['authors'], scopes: [] };
    const learner = { sub: 'u-2', groups: [], scopes: [] };

    // Act: the anonymous IP spends its whole burst, then a signed-in caller on the same IP asks
    const anonymous = [await call({ ip: '192.0.2.1' }), await call({ ip: '192.0.2.1' }), await call({ ip: '192.0.2.1' })];
    const asAuthor = await call({ ip: '192.0.2.1', caller: author });
    const asLearner = await call({ ip: '192.0.2.1', caller: learner });

    // Assess
    expect(anonymous.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(asAuthor).toMatchObject({ statusCode: 200, headers: { 'RateLimit-Policy': '"burst";q=8;w=60', RateLimit: '"burst";r=7;t=8' } });
    expect(asLearner).toMatchObject({ statusCode: 200, headers: { 'RateLimit-Policy': '"burst";q=4;w=60', RateLimit: '"burst";r=3;t=15' } });
  });
});
