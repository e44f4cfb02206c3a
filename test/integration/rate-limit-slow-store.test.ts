import { afterEach, describe, expect, it } from 'vitest';
import { compilePolicySets } from '../../lambdas/ratelimit/config';
import { FallbackLimiter } from '../../lambdas/ratelimit/limiter';
import type { SlowStore } from '../support/slow-store';
import { limitedHandler, limiterBehindSlowStore, recordingMetrics } from './rate-limit-support';

const limits = [{ name: 'burst', limit: 5, periodSeconds: 60, unit: 'units' as const }];
const policySets = compilePolicySets({ default: { anonymous: limits, learner: limits, author: limits } });
const learner = { sub: 'slow-store-learner', groups: [], scopes: [] };

let proxy: SlowStore | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

/** The shared setup, with the proxy kept for afterEach to stop. */
async function slowLimiter(options: { cooldownMs?: number } = {}) {
  const setup = await limiterBehindSlowStore(options);
  proxy = setup.proxy;
  return setup;
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

describe('writes that time out after DynamoDB applied them', () => {
  it('spend nothing: a fail-closed route that answered 503 leaves the whole quota once the store answers again', async () => {
    // Prepare: every answer comes after the 500 ms bound, but DynamoDB applies each write at once
    const { proxy, limiter } = await slowLimiter({ cooldownMs: 0 });
    const call = limitedHandler({ failure: 'closed' }, { limiter: () => limiter, policySets, metrics: recordingMetrics() });
    proxy.set({ headersDelayMs: 1_000 });
    const refused = [await call({ caller: learner }), await call({ caller: learner }), await call({ caller: learner })];
    const appliedWhileSlow = proxy.forwarded;

    // Act: the store is healthy again
    proxy.set({ headersDelayMs: 0 });
    const served = await call({ caller: learner });

    // Assess: three 503s, writes that reached DynamoDB, and yet the first served request sees 4 of 5 left
    expect(refused.map((r) => r.statusCode)).toEqual([503, 503, 503]);
    expect(appliedWhileSlow).toBeGreaterThan(3);
    expect(served.statusCode).toBe(200);
    expect(served.headers?.RateLimit).toMatch(/^"burst";r=4;/);
  });

  it('spend nothing on a fail-open route whose fallback answered 429', async () => {
    // Prepare: a weight-5 route (the whole quota), slow store; the in-process bucket admits the first, refuses the second
    const { proxy, limiter } = await slowLimiter({ cooldownMs: 0 });
    const call = limitedHandler({ failure: 'open', weight: 5 }, { limiter: () => limiter, fallback: new FallbackLimiter(), policySets, metrics: recordingMetrics() });
    proxy.set({ headersDelayMs: 1_000 });
    const whileSlow = [await call({ caller: learner }), await call({ caller: learner })];

    // Act
    proxy.set({ headersDelayMs: 0 });
    const served = await call({ caller: learner });

    // Assess: the store charged neither the fallback's 200 nor its 429, so the full weight-5 request passes
    expect(whileSlow.map((r) => r.statusCode)).toEqual([200, 429]);
    expect(served.statusCode).toBe(200);
    expect(served.headers?.RateLimit).toMatch(/^"burst";r=0;/);
  });
});

describe('after a store failure', () => {
  it('skips the store during the cooldown, then tries it again: a fail-closed route recovers', async () => {
    // Prepare: a 300 ms cooldown; the store fails once (late headers), then is healthy
    const { proxy, limiter } = await slowLimiter({ cooldownMs: 300 });
    const call = limitedHandler({ failure: 'closed' }, { limiter: () => limiter, policySets, metrics: recordingMetrics() });
    proxy.set({ headersDelayMs: 1_000 });
    const failed = await call({ caller: learner });
    proxy.set({ headersDelayMs: 0 });
    const sentBefore = proxy.forwarded;

    // Act
    const duringCooldown = await call({ caller: learner });
    const sentDuringCooldown = proxy.forwarded - sentBefore;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const afterCooldown = await call({ caller: learner });

    // Assess
    expect([failed.statusCode, duringCooldown.statusCode, afterCooldown.statusCode]).toEqual([503, 503, 200]);
    expect(sentDuringCooldown).toBe(0);
  });

  it('keeps one fallback bucket per caller: one caller exhausting it leaves another untouched', async () => {
    // Prepare: the store always answers late, so the in-process bucket decides
    const { proxy, limiter } = await slowLimiter({ cooldownMs: 60_000 });
    proxy.set({ headersDelayMs: 1_000 });
    const call = limitedHandler({ failure: 'open' }, { limiter: () => limiter, fallback: new FallbackLimiter(), policySets, metrics: recordingMetrics() });
    const first = { ...learner, sub: 'first-caller' };
    const second = { ...learner, sub: 'second-caller' };

    // Act
    const firsts = [];
    for (let i = 0; i < 6; i++) firsts.push((await call({ caller: first })).statusCode);
    const secondAnswer = await call({ caller: second });
    const anonymousA = await call({ ip: '198.51.100.1' });
    const anonymousB = await call({ ip: '198.51.100.2' });

    // Assess
    expect(firsts).toEqual([200, 200, 200, 200, 200, 429]);
    expect([secondAnswer.statusCode, anonymousA.statusCode, anonymousB.statusCode]).toEqual([200, 200, 200]);
    expect(secondAnswer.headers?.RateLimit).toMatch(/^"burst";r=4;/);
  });
});
