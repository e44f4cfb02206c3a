import { describe, expect, it } from 'vitest';
import { decideWithFailurePolicy, type FailurePolicyDependencies } from '../../lambdas/ratelimit/failure-policy';
import type { Decision, Limiter, LimitRequest } from '../../lambdas/ratelimit/limiter';

/** A limiter that answers `decision`, or throws `error` as a failing store does. */
const limiterOf = (answer: Decision | Error): Limiter => ({
  check: async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

const decision = (outcome: Decision['outcome'], allowed = outcome === 'allowed'): Decision => ({ outcome, allowed, retryAfterMs: allowed ? 0 : 1000, states: [], calls: 1 });

function harness(store: Decision | Error) {
  const recorded: { outcome: string; policySet: string }[] = [];
  const logged: { message: string; attributes: Record<string, unknown> }[] = [];
  let fallbackChecks = 0;
  const deps: FailurePolicyDependencies = {
    limiter: () => limiterOf(store),
    fallback: {
      check: async () => {
        fallbackChecks++;
        return { ...decision('allowed'), calls: 0 };
      },
    },
    metrics: { record: (outcome, dimensions) => void recorded.push({ outcome, policySet: dimensions.policySet }) },
    log: (message, attributes) => void logged.push({ message, attributes }),
  };
  return { deps, recorded, logged, fallbackChecks: () => fallbackChecks };
}

const request = (extra: Partial<LimitRequest> = {}): LimitRequest => ({ subject: 'ip:198.51.100.0', policySet: 'account', policies: [], weight: 1, ...extra });

describe('the rate limiter failure policy', () => {
  it("passes the store's decision through and records its outcome under the request's policy set", async () => {
    // Prepare
    const { deps, recorded, logged } = harness(decision('limited'));

    // Act
    const result = await decideWithFailurePolicy(deps, request(), 'closed');

    // Assess
    expect(result).toMatchObject({ outcome: 'limited', allowed: false });
    expect(recorded).toEqual([{ outcome: 'limited', policySet: 'account' }]);
    expect(logged).toEqual([]);
  });

  it('records nothing for a revoked token (an authentication answer, not a limiter outcome)', async () => {
    // Prepare
    const { deps, recorded } = harness(decision('revoked'));

    // Act
    const result = await decideWithFailurePolicy(deps, request({ issuedAt: 1 }), 'open');

    // Assess
    expect(result.outcome).toBe('revoked');
    expect(recorded).toEqual([]);
  });

  it('decides an anonymous request on a fail-open route with the fallback when the store fails, and says so', async () => {
    // Prepare
    const { deps, recorded, logged, fallbackChecks } = harness(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));

    // Act
    const result = await decideWithFailurePolicy(deps, request(), 'open');

    // Assess
    expect(result).toMatchObject({ outcome: 'allowed', calls: 0 });
    expect(fallbackChecks()).toBe(1);
    expect(recorded).toEqual([{ outcome: 'store-error-open', policySet: 'account' }]);
    expect(logged).toEqual([{ message: 'rate limiter store failed', attributes: { failure: 'open', error: 'TimeoutError: timed out' } }]);
  });

  it('admits nothing on a fail-closed route when the store fails', async () => {
    // Prepare
    const { deps, recorded, logged, fallbackChecks } = harness(new Error('no table'));

    // Act
    const result = await decideWithFailurePolicy(deps, request(), 'closed');

    // Assess
    expect(result).toEqual({ outcome: 'store-unavailable' });
    expect(fallbackChecks()).toBe(0);
    expect(recorded).toEqual([{ outcome: 'store-error-closed', policySet: 'account' }]);
    expect(logged[0]?.attributes).toMatchObject({ failure: 'closed' });
  });

  it("decides a signed-in caller's request as fail-closed even on a fail-open route (revocation is only checked by the store)", async () => {
    // Prepare
    const { deps, recorded, logged, fallbackChecks } = harness(new Error('throttled'));

    // Act
    const result = await decideWithFailurePolicy(deps, request({ subject: 'user:ada', issuedAt: 1_700_000_000 }), 'open');

    // Assess
    expect(result).toEqual({ outcome: 'store-unavailable' });
    expect(fallbackChecks()).toBe(0);
    expect(recorded).toEqual([{ outcome: 'store-error-closed', policySet: 'account' }]);
    expect(logged[0]?.attributes).toMatchObject({ failure: 'closed' });
  });

  it('logs a thrown value that is not an Error as text', async () => {
    // Prepare
    const { deps, logged } = harness(undefined as never);
    deps.limiter = () => ({ check: () => Promise.reject('socket hang up') });

    // Act
    await decideWithFailurePolicy(deps, request(), 'open');

    // Assess
    expect(logged[0]?.attributes).toMatchObject({ error: 'socket hang up' });
  });
});
