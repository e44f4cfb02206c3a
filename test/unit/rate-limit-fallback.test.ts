import { describe, expect, it } from 'vitest';
import { FallbackLimiter } from '../../lambdas/ratelimit/limiter';
import { compilePolicies } from '../../lambdas/ratelimit/policy';

/** The in-process bucket a fail-open route falls back to while DynamoDB cannot answer. */

const policies = compilePolicies([{ name: 'burst', limit: 2, periodSeconds: 60 }]);
const request = (subject: string, weight = 1) => ({ subject, policySet: 'default', policies, weight });
const frozen = () => 1_000_000;

describe('the fallback limiter', () => {
  it('admits the burst, then limits, making no store calls', async () => {
    // Prepare
    const fallback = new FallbackLimiter({ clock: frozen });

    // Act
    const decisions = [await fallback.check(request('user:ada')), await fallback.check(request('user:ada')), await fallback.check(request('user:ada'))];

    // Assess
    expect(decisions.map((d) => [d.outcome, d.allowed, d.calls])).toEqual([
      ['allowed', true, 0],
      ['allowed', true, 0],
      ['limited', false, 0],
    ]);
    expect(decisions[2]).toMatchObject({ retryAfterMs: 30_000, violated: { name: 'burst' } });
  });

  it('refuses a weight that no policy could ever admit', async () => {
    const fallback = new FallbackLimiter({ clock: frozen });
    await expect(fallback.check(request('user:ada', 3))).rejects.toThrow(/weight 3 exceeds policy "burst"/);
    await expect(fallback.check(request('user:ada', 0))).rejects.toThrow(/positive integer/);
  });

  it('remembers at most maxEntries callers: the least recently admitted one starts afresh', async () => {
    // Prepare: room for one caller; ada spends her burst
    const fallback = new FallbackLimiter({ clock: frozen, maxEntries: 1 });
    await fallback.check(request('user:ada'));
    await fallback.check(request('user:ada'));

    // Act: another caller takes the only place, then ada comes back
    await fallback.check(request('user:bob'));
    const ada = await fallback.check(request('user:ada'));

    // Assess
    expect(ada.allowed).toBe(true);
  });
});
