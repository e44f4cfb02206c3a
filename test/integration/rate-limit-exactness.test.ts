import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoLimiter, type Decision } from '../../lambdas/ratelimit/limiter';
import { compilePolicies, type Policy } from '../../lambdas/ratelimit/policy';
import * as keys from '../../lambdas/store/keys';
import type { LimiterStore } from '../../lambdas/ratelimit/store';
import { freshLimiterStore, manualClock } from './rate-limit-support';

/** Several limiters with their own in-memory caches, as separate Lambda instances would have. */
function instances(store: LimiterStore, clocks: (() => number)[]) {
  return clocks.map((clock) => new DynamoLimiter({ store, clock }));
}

async function fire(limiters: DynamoLimiter[], count: number, request: Parameters<DynamoLimiter['check']>[0]): Promise<Decision[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => limiters[i % limiters.length]!.check(request)));
}

const admitted = (decisions: Decision[]) => decisions.filter((d) => d.allowed).length;

/** A fresh table, a clock that moves only when told, and `count` instances sharing that clock. */
async function prepare(count: number, policyList: Policy[]) {
  const store = await freshLimiterStore();
  const clock = manualClock();
  return { store, clock, limiters: instances(store, Array(count).fill(clock.now)), policies: compilePolicies(policyList) };
}

describe('GCRA limiter on DynamoDB Local under concurrency', () => {
  it('admits exactly the burst when four instances fire 400 concurrent requests for one user', async () => {
    // Prepare
    const { limiters, policies } = await prepare(4, [{ name: 'burst', limit: 100, periodSeconds: 60 }]);

    // Act
    const decisions = await fire(limiters, 400, { subject: 'user:alice', policySet: 'default', policies, weight: 1 });

    // Assess
    expect(admitted(decisions)).toBe(100);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.violated?.name === 'burst' && d.retryAfterMs > 0)).toBe(true);
  });

  it('admits exactly the quota again after one emission interval per unit has passed', async () => {
    // Prepare: spend a burst of 20 per 10 s (one unit every 500 ms)
    const { limiters, policies, clock } = await prepare(3, [{ name: 'burst', limit: 20, periodSeconds: 10 }]);
    const request = { subject: 'user:bob', policySet: 'default', policies, weight: 1 };
    expect(admitted(await fire(limiters, 60, request))).toBe(20);

    // Act: 2.5 s later, 5 units have come back
    clock.advance(2_500);
    const later = await fire(limiters, 60, request);

    // Assess
    expect(admitted(later)).toBe(5);
  });

  it('decides a burst and a daily quota in the same write, and a rejected request spends neither', async () => {
    // Prepare: 50 per minute, 80 per day
    const { store, clock, limiters, policies } = await prepare(4, [
      { name: 'burst', limit: 50, periodSeconds: 60 },
      { name: 'daily', limit: 80, periodSeconds: 86_400 },
    ]);
    const request = { subject: 'user:carol', policySet: 'default', policies, weight: 1 };

    // Act: 200 requests now (the burst binds), then 200 more a minute later (the daily quota binds)
    const first = await fire(limiters, 200, request);
    const { Item } = await store.client.send(
      new GetItemCommand({ TableName: store.tableName, Key: Object.fromEntries(Object.entries(keys.rateLimit('user:carol', 'default')).map(([k, v]) => [k, { S: v }])) }),
    );
    clock.advance(60_000);
    const second = await fire(limiters, 200, request);

    // Assess: 150 rejections in the first round left the daily TAT at exactly 50 units
    expect(admitted(first)).toBe(50);
    expect(Number(Item?.[keys.rateLimitTat('daily')]?.N)).toBe(clock.start + 50 * policies[1]!.emissionMs);
    expect(admitted(second)).toBe(30);
    expect(second.filter((d) => !d.allowed).every((d) => d.violated?.name === 'daily')).toBe(true);
  });

  it('charges a weighted route its weight on every policy', async () => {
    // Prepare: 10 units per minute, a route that costs 3
    const { limiters, policies } = await prepare(2, [{ name: 'burst', limit: 10, periodSeconds: 60 }]);

    // Act
    const decisions = await fire(limiters, 40, { subject: 'user:dan', policySet: 'default', policies, weight: 3 });

    // Assess: three requests of cost 3 fit in 10 units, a fourth would need 12
    expect(admitted(decisions)).toBe(3);
  });

  it('never admits more than the limit plus the clock spread over the emission interval when instance clocks disagree by ±300 ms', async () => {
    // Prepare: 10 per second (T = 100 ms); clocks at −300, 0 and +300 ms
    const store = await freshLimiterStore();
    const base = Date.now();
    const offsets = [-300, 0, 300];
    const limiters = instances(store, offsets.map((offset) => () => base + offset));
    const policies = compilePolicies([{ name: 'burst', limit: 10, periodSeconds: 1 }]);
    const spreadMs = Math.max(...offsets) - Math.min(...offsets);

    // Act
    const decisions = await fire(limiters, 300, { subject: 'user:erin', policySet: 'default', policies, weight: 1 });

    // Assess
    expect(admitted(decisions)).toBeGreaterThanOrEqual(10 - spreadMs / policies[0]!.emissionMs);
    expect(admitted(decisions)).toBeLessThanOrEqual(10 + spreadMs / policies[0]!.emissionMs);
  });

  it('answers a blocked key from memory with zero DynamoDB calls once an instance has seen it blocked', async () => {
    // Prepare: instance A spends the whole burst; instance B has never seen the key
    const {
      clock,
      limiters: [a, b],
      policies,
    } = await prepare(2, [{ name: 'burst', limit: 2, periodSeconds: 60 }]);
    const request = { subject: 'ip:203.0.113.9', policySet: 'default', policies, weight: 1 };
    for (let i = 0; i < 2; i++) expect((await a!.check(request)).allowed).toBe(true);

    // Act
    const fromA = await a!.check(request);
    const firstFromB = await b!.check(request);
    clock.advance(1_000);
    const repeatFromB = await b!.check(request);

    // Assess: A knows the TATs it wrote; B pays one conditional write, then knows them too
    expect(fromA).toMatchObject({ outcome: 'cached-block', calls: 0, retryAfterMs: 30_000 });
    expect(firstFromB).toMatchObject({ outcome: 'limited', calls: 1, retryAfterMs: 30_000 });
    expect(repeatFromB).toMatchObject({ outcome: 'cached-block', calls: 0, retryAfterMs: 29_000 });
  });
});
