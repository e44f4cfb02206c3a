import { describe, expect, it } from 'vitest';
import { branchOf, cachedDenial, describe as describeTats, evaluate, upperBoundTats } from '../../lambdas/ratelimit/gcra';
import { spendCommand } from '../../lambdas/ratelimit/dynamo';
import { compilePolicies } from '../../lambdas/ratelimit/policy';

const tenPerTen = compilePolicies([{ name: 'burst', limit: 10, periodSeconds: 10 }]); // T = 1 s, C = 10 s
const burstAndDaily = compilePolicies([
  { name: 'burst', limit: 3, periodSeconds: 60 }, // T = 20 s
  { name: 'daily', limit: 5, periodSeconds: 86_400 }, // T = 17 280 s
]);

describe('branch prediction', () => {
  it('predicts busy for an unknown key or a TAT ahead of now, idle for a TAT at or before now', () => {
    expect([branchOf(undefined, 1_000), branchOf(1_001, 1_000), branchOf(1_000, 1_000), branchOf(999, 1_000)]).toEqual(['busy', 'busy', 'idle', 'idle']);
  });
});

describe('the next unit (RateLimit t)', () => {
  it('is 0 for a full quota, also long after the key was last used', () => {
    const [fresh] = describeTats(tenPerTen, {}, 5_000);
    const [idle] = describeTats(tenPerTen, { burst: 1_000 }, 1_000_000_000_000);
    expect([fresh, idle].map((s) => [s!.remaining, s!.resetSeconds])).toEqual([
      [10, 0],
      [10, 0],
    ]);
  });
});

describe('the denial that is decided', () => {
  it('admits a request that exactly fills the capacity', () => {
    const result = evaluate(tenPerTen, { burst: 4_000 }, 0, 6);
    expect(result).toMatchObject({ allowed: true, retryAfterMs: 0 });
    expect(result.violated).toBeUndefined();
  });

  it('names the policy with the longest wait, and the first of equal waits', () => {
    // Both exhausted: burst frees up in 20 s, daily in 17 280 s
    const longerSecond = evaluate(burstAndDaily, { burst: 60_000, daily: 86_400_000 }, 0, 1);
    // Both exhausted with the daily wait shorter than the burst's
    const longerFirst = evaluate(burstAndDaily, { burst: 60_000, daily: 86_400_000 - 17_280_000 + 5_000 }, 0, 1);
    const equal = evaluate(
      compilePolicies([
        { name: 'a', limit: 2, periodSeconds: 2 },
        { name: 'b', limit: 2, periodSeconds: 2 },
      ]),
      { a: 2_000, b: 2_000 },
      0,
      1,
    );
    expect([longerSecond.violated?.name, longerSecond.retryAfterMs]).toEqual(['daily', 17_280_000]);
    expect([longerFirst.violated?.name, longerFirst.retryAfterMs]).toEqual(['burst', 20_000]);
    expect([equal.violated?.name, equal.retryAfterMs]).toEqual(['a', 1_000]);
  });
});

describe('the upper bound of stored TATs behind a cached refusal', () => {
  it('allows for every unit other instances could have spent since, and no more', () => {
    // Seen: TAT 5 s ahead at t = 0; now t = 0.5 s. Up to 5 more units fit, so the TAT can be 10 s.
    expect(upperBoundTats(tenPerTen, { burst: 5_000 }, 500)).toEqual({ burst: 10_000 });
    // Seen long ago (TAT in the past): at most a full capacity from now.
    expect(upperBoundTats(tenPerTen, { burst: 0 }, 100_000)).toEqual({ burst: 110_000 });
    // Never seen: anything up to a full capacity.
    expect(upperBoundTats(tenPerTen, {}, 100)).toEqual({ burst: 10_100 });
  });

  it('lets an exhausted policy bound what the others can have gained', () => {
    // The burst was full when seen and has not refilled a unit since: nobody can have spent anything.
    expect(upperBoundTats(burstAndDaily, { burst: 60_000, daily: 51_840_000 }, 3_000)).toEqual({ burst: 60_000, daily: 51_840_000 });
    // 40 s later two burst units are back: the daily TAT may have grown by two of its units.
    expect(upperBoundTats(burstAndDaily, { burst: 60_000, daily: 51_840_000 }, 43_000)).toEqual({ burst: 100_000, daily: 51_840_000 + 2 * 17_280_000 });
  });

  it('reads a policy missing from what was seen as unused then, bounded by what the seen policies allow since', () => {
    // Seen: the burst exhausted at t = 0 and no daily TAT stored yet; 3 s later no burst unit is back
    const bound = upperBoundTats(burstAndDaily, { burst: 60_000 }, 3_000);
    const refusal = cachedDenial(burstAndDaily, { burst: 60_000 }, 3_000, 1);

    // Assess: nobody can have spent since, so the refusal waits for the next burst unit only
    expect(bound).toEqual({ burst: 60_000, daily: 3_000 });
    expect(refusal).toMatchObject({ allowed: false, retryAfterMs: 17_000, violated: { name: 'burst' } });
  });

  it('gives a Retry-After that covers what others may have spent (issue 15: weights 5, 1, then 6)', () => {
    // A saw TAT 5 s (its weight-5 request); B's weight-1 request made it 6 s; 0.5 s later A refuses weight 6.
    const refusal = cachedDenial(tenPerTen, { burst: 5_000 }, 500, 6);
    const exact = evaluate(tenPerTen, { burst: 6_000 }, 500, 6);
    expect(refusal).toMatchObject({ allowed: false, retryAfterMs: 5_500, violated: { name: 'burst' } });
    expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(exact.retryAfterMs);
    // and the refusal's fields: no unit left, the next one back within T
    expect(refusal.states.map((s) => [s.remaining, s.resetSeconds])).toEqual([[0, 1]]);
  });
});

describe('the spend write', () => {
  const store = { tableName: 't', client: undefined as never, timeoutMs: 150 };
  const request = { subject: 'user:ada', policySet: 'user', policies: tenPerTen, weight: 1, now: 5_000, branches: { burst: 'busy' as const }, decisionId: 'd1' };

  it('refuses a revoked token in the same condition, and that is its only condition beyond the quotas', () => {
    // Prepare: a caller that still tries the removed second mechanism (extra conditions) gets no say
    const withExtra = { ...request, issuedAt: 4, extraConditions: [{ expression: 'attribute_exists(#x)', names: { '#x': 'x' } }] };

    // Act
    const command = spendCommand(store, withExtra);
    const quotaOnly = spendCommand(store, request);

    // Assess
    const condition = command.input.ConditionExpression!;
    expect(condition).toContain('#revoked <= :iat');
    expect(condition).not.toContain('#x');
    expect(command.input.ExpressionAttributeNames).not.toHaveProperty('#x');
    expect(condition).toBe(`${quotaOnly.input.ConditionExpression} AND (attribute_not_exists(#revoked) OR #revoked <= :iat)`);
  });
});
