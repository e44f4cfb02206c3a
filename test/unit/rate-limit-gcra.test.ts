import fc from 'fast-check';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { rateLimit } from '../../lambdas/middleware/rate-limit';
import { compilePolicySets, compiledPolicySets, policySets, tierOf } from '../../lambdas/ratelimit/config';
import { evaluate, type Tats } from '../../lambdas/ratelimit/gcra';
import { rateLimitHeaders, retryAfterSeconds } from '../../lambdas/ratelimit/headers';
import { powertoolsMetricsSink } from '../../lambdas/ratelimit/metrics';
import { authorsGroupFromEnv } from '../../lambdas/middleware/auth-config';
import { rateLimitNetwork } from '../../lambdas/middleware/client-ip';
import { compilePolicies, compilePolicy } from '../../lambdas/ratelimit/policy';

describe('rate-limit policies', () => {
  it('compiles a policy into whole-millisecond emission interval and capacity', () => {
    expect(compilePolicy({ name: 'burst', limit: 100, periodSeconds: 60 })).toMatchObject({ emissionMs: 600, capacityMs: 60_000 });
    // 60 000 / 7 is not whole: T rounds down and the capacity is 7·T, so the burst stays exactly 7.
    expect(compilePolicy({ name: 'odd', limit: 7, periodSeconds: 60 })).toMatchObject({ emissionMs: 8_571, capacityMs: 59_997 });
  });

  it.each([
    ['a zero limit', [{ name: 'burst', limit: 0, periodSeconds: 60 }]],
    ['a negative period', [{ name: 'burst', limit: 10, periodSeconds: -1 }]],
    ['more than 1000 per second', [{ name: 'burst', limit: 2_000, periodSeconds: 1 }]],
    ['a name that is not a token', [{ name: 'Burst Limit', limit: 10, periodSeconds: 60 }]],
    ['no policy at all', []],
    ['two policies with one name', [{ name: 'a', limit: 1, periodSeconds: 1 }, { name: 'a', limit: 2, periodSeconds: 2 }]],
  ])('refuses %s', (_case, policies) => {
    expect(() => compilePolicies(policies)).toThrow();
  });

  it('refuses a policy set that leaves a tier without limits', () => {
    const burst = [{ name: 'burst', limit: 1, periodSeconds: 1 }];
    expect(() => compilePolicySets({ default: { anonymous: burst, learner: burst } as never })).toThrow(/no limits for tier "author"/);
  });

  it('refuses tiers of one set that differ in more than their limits', () => {
    const burst = [{ name: 'burst', limit: 10, periodSeconds: 60 }];
    const longer = [{ name: 'burst', limit: 10, periodSeconds: 120 }];
    expect(() => compilePolicySets({ default: { anonymous: burst, learner: burst, author: longer } })).toThrow(/tier "author" must have the same policy names, periods and units/);
  });

  it('validates the shipped configuration and gives authors the highest tier', () => {
    expect(Object.keys(compiledPolicySets)).toEqual(Object.keys(policySets));
    expect(tierOf(undefined, 'authors')).toBe('anonymous');
    expect(tierOf({ groups: [] }, 'authors')).toBe('learner');
    expect(tierOf({ groups: ['readers', 'authors'] }, 'authors')).toBe('author');
  });

  it('lifts the configured authors group to the author tier, not the literal "authors"', () => {
    // Prepare
    const authorsGroup = authorsGroupFromEnv({ AUTH_AUTHORS_GROUP: 'editors' });

    // Act
    const editor = tierOf({ groups: ['editors'] }, authorsGroup);
    const literal = tierOf({ groups: ['authors'] }, authorsGroup);

    // Assess
    expect([editor, literal]).toEqual(['author', 'learner']);
    expect(authorsGroupFromEnv({})).toBe('authors');
  });

  it('refuses to build a route whose weight no tier could ever admit, or an unknown policy set', () => {
    expect(() => rateLimit({ weight: 1_000_000 })).toThrow(/exceeds policy/);
    expect(() => rateLimit({ weight: 0 })).toThrow(/positive integer/);
    expect(() => rateLimit({ policySet: 'nope' as never })).toThrow(/unknown rate-limit policy set/);
  });
});

describe('GCRA evaluation', () => {
  const [burst] = compilePolicies([{ name: 'burst', limit: 5, periodSeconds: 10 }]);

  it('admits a full burst at once, then one unit per emission interval', () => {
    // Prepare
    let tats: Tats = {};
    const now = 1_000_000;

    // Act
    const burstResults = Array.from({ length: 6 }, () => {
      const result = evaluate([burst!], tats, now, 1);
      tats = result.tats;
      return result.allowed;
    });
    const tooEarly = evaluate([burst!], tats, now + 1_999, 1);
    const onTime = evaluate([burst!], tats, now + 2_000, 1);

    // Assess
    expect(burstResults).toEqual([true, true, true, true, true, false]);
    expect(tooEarly).toMatchObject({ allowed: false, retryAfterMs: 1 });
    expect(onTime.allowed).toBe(true);
  });

  it('never admits more than limit + elapsed / T units over any sequence of requests', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 1, max: 5 })), { maxLength: 200 }), (steps) => {
        let tats: Tats = {};
        let now = 0;
        let spent = 0;
        for (const [gap, weight] of steps) {
          now += gap;
          const result = evaluate([burst!], tats, now, weight);
          if (result.allowed) spent += weight;
          tats = result.tats;
        }
        return spent <= burst!.limit + Math.floor(now / burst!.emissionMs);
      }),
    );
  });

  it('denies without spending when any one policy is exhausted', () => {
    // Prepare: a roomy burst and an exhausted daily quota
    const policies = compilePolicies([
      { name: 'burst', limit: 100, periodSeconds: 60 },
      { name: 'daily', limit: 1, periodSeconds: 86_400 },
    ]);
    const tats = { burst: 0, daily: 86_400_000 };

    // Act
    const result = evaluate(policies, tats, 0, 1);

    // Assess
    expect(result).toMatchObject({ allowed: false, retryAfterMs: 86_400_000, violated: { name: 'daily' }, tats: { burst: 0, daily: 86_400_000 } });
  });
});

describe('RateLimit fields and metrics', () => {
  it('writes the draft structured-field syntax, one list member per policy', () => {
    const policies = compilePolicies([
      { name: 'burst', limit: 100, periodSeconds: 60 },
      { name: 'daily', limit: 1_000, periodSeconds: 86_400 },
    ]);
    // 58 burst units in flight (TAT 34.8 s ahead): this request leaves 41 and moves the TAT to 35.4 s.
    const { states } = evaluate(policies, { burst: 34_800 }, 0, 1);

    expect(rateLimitHeaders(states)).toEqual({
      'RateLimit-Policy': '"burst";q=100;w=60, "daily";q=1000;w=86400',
      RateLimit: '"burst";r=41;t=1, "daily";r=999;t=87',
    });
  });

  it('sends qu="units" for a policy counted in weighted units, and t as the time until the next unit comes back', () => {
    // Prepare: 10 units per 10 s (T = 1 s); 3.5 units in flight
    const policies = compilePolicies([{ name: 'burst', limit: 10, periodSeconds: 10, unit: 'units' }]);

    // Act
    const inFlight = rateLimitHeaders(evaluate(policies, { burst: 3_500 }, 0, 1).states);
    const full = rateLimitHeaders(evaluate(policies, {}, 0, 0 + 1).states);

    // Assess: after this request 4.5 units are in flight, so 5 remain and the next is back in 0.5 s
    expect(inFlight).toEqual({ 'RateLimit-Policy': '"burst";q=10;qu="units";w=10', RateLimit: '"burst";r=5;t=1' });
    expect(full.RateLimit).toBe('"burst";r=9;t=1');
  });

  it('refuses a weighted route on policies that count requests', () => {
    expect(() => rateLimit({ weight: 2 }, { policySets: compilePolicySets({ default: { anonymous: [{ name: 'burst', limit: 5, periodSeconds: 1 }], learner: [{ name: 'burst', limit: 5, periodSeconds: 1 }], author: [{ name: 'burst', limit: 5, periodSeconds: 1 }] } }) })).toThrow(/counts requests/);
    expect(() => rateLimit({ weight: 10 })).not.toThrow();
  });

  it('rounds Retry-After up to whole seconds, never below one', () => {
    expect([retryAfterSeconds(1), retryAfterSeconds(1_000), retryAfterSeconds(1_001), retryAfterSeconds(0)]).toEqual([1, 1, 2, 1]);
  });

  it('publishes one Powertools metric named after the outcome, under the service dimension the alarms watch', () => {
    // Prepare: Powertools writes EMF to stdout; capture what it writes
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    const sink = powertoolsMetricsSink(new Metrics({ namespace: 'Rungs', serviceName: 'rungs-api-prod' }));

    // Act
    try {
      sink.record('cached-block', { policySet: 'default' });
    } finally {
      write.mockRestore();
    }

    // Assess
    const emf = lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics).toEqual([{ Namespace: 'Rungs', Dimensions: [['service']], Metrics: [{ Name: 'RateLimitCachedBlock', Unit: 'Count' }] }]);
    expect(emf[0]).toMatchObject({ service: 'rungs-api-prod', policySet: 'default', RateLimitCachedBlock: 1 });
  });
});

describe('anonymous rate-limit subject', () => {
  it('limits an IPv6 caller by its /64 and an IPv4 caller by its address', () => {
    expect(rateLimitNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitNetwork('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(rateLimitNetwork('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(rateLimitNetwork('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitNetwork('203.0.113.9')).toBe('203.0.113.9');
  });
});
