import { describe, expect, it } from 'vitest';
import { compilePolicySets } from '../../lambdas/ratelimit/config';
import { DynamoLimiter } from '../../lambdas/ratelimit/limiter';
import { freshLimiterStore, limitedHandler, manualClock, recordingMetrics } from './rate-limit-support';

const limits = [{ name: 'burst', limit: 10, periodSeconds: 10, unit: 'units' as const }];
const policySets = compilePolicySets({ default: { anonymous: limits, learner: limits, author: limits } });
const learner = { sub: 'mixed-weights', groups: [], scopes: [] };

describe('Retry-After of a request refused from the blocked-key cache', () => {
  it('is never too short when other instances spent with other weights meanwhile: a client that obeys it is admitted', async () => {
    // Prepare: 10 units per 10 s; instance A admits a weight-5 request, instance B a weight-1 request
    const store = await freshLimiterStore();
    const clock = manualClock();
    const a = new DynamoLimiter({ store, clock: clock.now });
    const b = new DynamoLimiter({ store, clock: clock.now });
    const deps = (limiter: DynamoLimiter) => ({ limiter: () => limiter, policySets, metrics: recordingMetrics() });
    const metricsA = recordingMetrics();
    const weight6OnA = limitedHandler({ weight: 6 }, { ...deps(a), metrics: metricsA });
    expect((await limitedHandler({ weight: 5 }, deps(a))({ caller: learner })).statusCode).toBe(200);
    expect((await limitedHandler({ weight: 1 }, deps(b))({ caller: learner })).statusCode).toBe(200);
    clock.advance(500);

    // Act: A refuses a weight-6 request from what it last saw; the client waits exactly Retry-After
    const refused = await weight6OnA({ caller: learner });
    const retryAfter = Number(refused.headers?.['Retry-After']);
    clock.advance(retryAfter * 1000);
    const retried = await weight6OnA({ caller: learner });

    // Assess
    expect(refused.statusCode).toBe(429);
    expect(metricsA.outcomes[0]).toBe('cached-block');
    expect(retried.statusCode).toBe(200);
    // The refusal's own fields agree with it: the violated policy's `t` is not later than Retry-After.
    const t = Number(/;t=(\d+)/.exec(String(refused.headers?.RateLimit))?.[1]);
    expect(t).toBeLessThanOrEqual(retryAfter);
  });
});
