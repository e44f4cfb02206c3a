import { afterEach, describe, expect, it } from 'vitest';
import { DynamoLimiter, StoreUnavailableError, type LimitRequest } from '../../lambdas/ratelimit/limiter';
import { KnownTats } from '../../lambdas/ratelimit/known-tats';
import { compilePolicies } from '../../lambdas/ratelimit/policy';
import { createLimiterStore } from '../../lambdas/ratelimit/store';
import { createStore } from '../../lambdas/store/client';
import * as keys from '../../lambdas/store/keys';
import { revokeTokensBefore } from '../../lambdas/ratelimit/revocation';
import type { SlowStore } from '../support/slow-store';
import { freshLimiterStore, limiterBehindSlowStore, manualClock } from './rate-limit-support';

/** How one DynamoDB limiter decides, read off its decisions: outcome, remaining quota and the store calls each made. */

const policies = compilePolicies([{ name: 'burst', limit: 5, periodSeconds: 60, unit: 'units' }]); // T = 12 s
const request = (sub: string, extra: Partial<LimitRequest> = {}): LimitRequest => ({ subject: keys.rateLimitSubject.user(sub), policySet: 'default', policies, weight: 1, ...extra });
const remaining = (decision: { states: { remaining: number }[] }) => decision.states[0]?.remaining;
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let proxy: SlowStore | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

describe('a decision on a healthy store', () => {
  it('refuses a weight that no policy could ever admit, and spends nothing', async () => {
    // Prepare
    const store = await freshLimiterStore();
    const limiter = new DynamoLimiter({ store });

    // Act
    const refused = await failure(limiter.check(request('heavy', { weight: 6 })));
    const next = await limiter.check(request('heavy'));

    // Assess: a weight of 6 on a quota of 5 would otherwise pass on a key never written
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/weight 6 exceeds policy "burst"/);
    expect([next.allowed, remaining(next)]).toEqual([true, 4]);
  });

  it('admits with a second write when the key went quiet since another instance wrote it', async () => {
    // Prepare: instance A spends at t0; 24 s later the TAT is in the past, which a cold instance cannot know
    const store = await freshLimiterStore();
    const clock = manualClock();
    await new DynamoLimiter({ store, clock: clock.now }).check(request('quiet'));
    clock.advance(24_000);
    const cold = new DynamoLimiter({ store, clock: clock.now, maxWrites: 2 });

    // Act
    const decision = await cold.check(request('quiet'));

    // Assess: the first write predicted a busy key and failed, the second took the idle branch
    expect(decision).toMatchObject({ outcome: 'allowed', allowed: true, calls: 2 });
    expect(remaining(decision)).toBe(4);
  });

  it('gives up after its last write lost a race, and denies for one second rather than guess', async () => {
    // Prepare: a quiet key as above; a rival instance writes it between the cold instance's two writes
    const store = await freshLimiterStore();
    const clock = manualClock();
    await new DynamoLimiter({ store, clock: clock.now }).check(request('raced'));
    clock.advance(24_000);
    const rival = new DynamoLimiter({ store: createLimiterStore({ tableName: store.tableName, endpoint: store.endpoint }, { timeoutMs: 60_000 }), clock: clock.now });
    let sends = 0;
    store.client.middlewareStack.add(
      (next) => async (args) => {
        if (++sends === 2) await rival.check(request('raced'));
        return next(args);
      },
      { step: 'initialize', name: 'rivalBetweenWrites' },
    );
    const cold = new DynamoLimiter({ store, clock: clock.now, maxWrites: 2 });

    // Act
    const decision = await cold.check(request('raced'));

    // Assess: two writes, both lost; the fields come from the item as the last failed write saw it (the rival's unit spent)
    expect(decision).toMatchObject({ outcome: 'limited', allowed: false, retryAfterMs: 1_000, calls: 2 });
    expect(remaining(decision)).toBe(4);
    expect(sends).toBe(2);
  });

  it('refuses a token issued before "sign out everywhere" without spending, and admits one issued after', async () => {
    // Prepare
    const store = await freshLimiterStore();
    const limiter = new DynamoLimiter({ store });
    const at = Math.floor(Date.now() / 1000);
    await revokeTokensBefore(createStore({ tableName: store.tableName, endpoint: store.endpoint }), 'signed-out', at);

    // Act
    const before = await limiter.check(request('signed-out', { issuedAt: at - 60 }));
    const after = await limiter.check(request('signed-out', { issuedAt: at }));

    // Assess
    expect(before).toEqual({ outcome: 'revoked', allowed: false, retryAfterMs: 0, states: [], calls: 1 });
    expect([after.outcome, remaining(after)]).toEqual(['allowed', 4]);
  });
});

describe('a decision after the store failed', () => {
  it('fails at once during the cooldown, naming the failure that started it, and leaves nothing to refund', async () => {
    // Prepare: one write of key "first" times out (DynamoDB applies it), starting a 1 s cooldown
    const setup = await limiterBehindSlowStore({ timeoutMs: 1_000, cooldownMs: 1_000 });
    proxy = setup.proxy;
    proxy.set({ headersDelayMs: 3_000 });
    const started = await failure(setup.limiter.check(request('first')));
    proxy.set({ headersDelayMs: 0 });
    const sent = proxy.forwarded;

    // Act: another key during the cooldown, then both keys once it is over
    const during = await failure(setup.limiter.check(request('second')));
    const sentDuring = proxy.forwarded - sent;
    await sleep(1_100);
    const second = await setup.limiter.check(request('second'));
    const first = await setup.limiter.check(request('first'));
    const firstAgain = await setup.limiter.check(request('first'));

    // Assess: the cooldown's error carries its cause and sends nothing
    expect(during).toBeInstanceOf(StoreUnavailableError);
    expect(during).toMatchObject({ name: 'StoreUnavailableError', message: 'the rate-limit store failed recently', cause: started });
    expect(sentDuring).toBe(0);
    // the key refused during the cooldown had written nothing: one call, one unit
    expect([second.calls, remaining(second)]).toEqual([1, 4]);
    // the timed-out write is refunded once, before the next write of its key (refund, a write that
    // predicted a busy key, one on the idle branch the refund left), and never again
    expect([first.calls, remaining(first)]).toEqual([3, 4]);
    expect([firstAgain.calls, remaining(firstAgain)]).toEqual([1, 3]);
  });

  it('remembers as many unanswered writes as it remembers keys; beyond that the oldest stays spent', async () => {
    // Prepare: a limiter that remembers two keys; writes of three keys time out in turn
    const setup = await limiterBehindSlowStore({ timeoutMs: 1_000, knownTats: new KnownTats(2) });
    proxy = setup.proxy;
    proxy.set({ headersDelayMs: 3_000 });
    for (const sub of ['oldest', 'middle', 'newest']) await failure(setup.limiter.check(request(sub)));
    proxy.set({ headersDelayMs: 0 });

    // Act
    const decisions = [];
    for (const sub of ['oldest', 'middle', 'newest']) decisions.push(await setup.limiter.check(request(sub)));

    // Assess: calls and units left per key; a refunded key takes its refund and two writes (see above)
    expect(decisions.map((d) => [d.calls, remaining(d)])).toEqual([
      [1, 3],
      [3, 4],
      [3, 4],
    ]);
  });
});
