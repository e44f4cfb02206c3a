import { afterEach, describe, expect, it } from 'vitest';
import { compilePolicySets } from '../../lambdas/ratelimit/config';
import { DynamoLimiter, FallbackLimiter } from '../../lambdas/ratelimit/limiter';
import { createLimiterStore } from '../../lambdas/ratelimit/store';
import { startSlowStore, type SlowStore } from '../support/slow-store';
import { freshStore } from '../support/store';
import { limitedHandler, recordingMetrics } from './rate-limit-support';

const limits = [{ name: 'burst', limit: 5, periodSeconds: 60 }];
const policySets = compilePolicySets({ default: { anonymous: limits, learner: limits, author: limits } });
const learner = { sub: 'slow-store-learner', groups: [], scopes: [] };

let proxy: SlowStore | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

/**
 * A fresh table behind a slow-store proxy, and a limiter talking through it with the production
 * client settings except a 500 ms bound (DynamoDB Local on a busy machine can need more than 150 ms).
 * One unrelated decision first warms the emulator, so only the proxy makes the store slow.
 */
async function slowLimiter(options: { cooldownMs?: number } = {}) {
  const table = await freshStore();
  proxy = await startSlowStore(table.endpoint);
  const store = createLimiterStore({ tableName: table.tableName, endpoint: proxy.endpoint }, { timeoutMs: 500 });
  const limiter = new DynamoLimiter({ store, cooldownMs: options.cooldownMs ?? 0 });
  const patient = new DynamoLimiter({ store: createLimiterStore({ tableName: table.tableName, endpoint: proxy.endpoint }, { timeoutMs: 10_000 }) });
  for (let i = 0; i < 3; i++) await patient.check({ subject: 'user:warm-up', policySet: 'default', policies: policySets.default!.learner, weight: 1 });
  return { proxy, limiter, table };
}

describe('a limiter store that answers too slowly', () => {
  it('gives up on a response whose headers arrive on time but whose body is held, and applies the failure policy', async () => {
    // Prepare: headers at once, body held for 3 s (far beyond the 150 ms bound)
    const { proxy, limiter } = await slowLimiter();
    proxy.set({ bodyHoldMs: 3_000 });
    const metrics = recordingMetrics();
    const call = limitedHandler({ failure: 'open' }, { limiter: () => limiter, fallback: new FallbackLimiter(), policySets, metrics });

    // Act
    const response = await call({ caller: learner });

    // Assess: answered by the fallback while the body was still held, not by the late store answer
    expect(metrics.outcomes).toEqual(['store-error-open']);
    expect(proxy.heldBodies).toBe(1);
    expect(response.statusCode).toBe(200);
  });

  it('gives up on a response whose headers come late', async () => {
    // Prepare
    const { proxy, limiter } = await slowLimiter();
    proxy.set({ headersDelayMs: 1_000 });
    const metrics = recordingMetrics();
    const call = limitedHandler({ failure: 'closed' }, { limiter: () => limiter, policySets, metrics });

    // Act
    const response = await call({ caller: learner });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(metrics.outcomes).toEqual(['store-error-closed']);
  });
});
