import type { CompiledPolicy } from './policy';

/**
 * The Generic Cell Rate Algorithm, as pure functions over one stored number per policy: the
 * theoretical arrival time (TAT, epoch ms). A request of cost w at time `now` is admitted when
 * max(TAT, now) + w·T − now ≤ capacity; admitting it moves TAT to max(TAT, now) + w·T. There is no
 * refill job: an idle key is simply one whose TAT is in the past. The DynamoDB limiter and the
 * in-process fallback both decide with these functions.
 */

/** Known TAT per policy name; a missing entry means "never used" (same as a TAT in the past). */
export type Tats = Readonly<Record<string, number | undefined>>;

export interface PolicyState {
  policy: CompiledPolicy;
  /** Units that could still be spent right now. */
  remaining: number;
  /**
   * Seconds until more quota is available (the next unit comes back), as the RateLimit draft's `t`
   * means it since -10; 0 when the quota is full.
   */
  resetSeconds: number;
}

export interface Evaluation {
  allowed: boolean;
  /** The TATs after this decision (unchanged when denied: a rejection spends nothing). */
  tats: Record<string, number>;
  /** When denied: ms until a request of the same cost would pass every policy. */
  retryAfterMs: number;
  /** When denied: the policy that forces the longest wait. */
  violated?: CompiledPolicy;
  states: PolicyState[];
}

/**
 * Which update a policy needs: "busy" adds to a TAT in the future, "idle" restarts from now. Both
 * also accept a key never written, so an unknown TAT is predicted busy: the cold instance that meets
 * an active key (the common case with many Lambda instances) then writes once, and only a key that
 * went quiet since its last write (TAT in the past) costs a second write.
 */
export type Branch = 'busy' | 'idle';
export const branchOf = (tat: number | undefined, now: number): Branch => (tat === undefined || tat > now ? 'busy' : 'idle');

/** Milliseconds until a policy whose TAT runs `ahead` of now gets its next unit back (0 when full). */
export function nextUnitMs(policy: CompiledPolicy, ahead: number): number {
  if (ahead <= 0) return 0;
  const remaining = Math.max(Math.floor((policy.capacityMs - ahead) / policy.emissionMs), 0);
  // `remaining` units fit; one more fits once the TAT is no further ahead than C − (remaining + 1)·T.
  return ahead - (policy.capacityMs - (remaining + 1) * policy.emissionMs);
}

export function describe(policies: readonly CompiledPolicy[], tats: Tats, now: number): PolicyState[] {
  return policies.map((policy) => {
    const ahead = Math.max((tats[policy.name] ?? now) - now, 0);
    return {
      policy,
      remaining: Math.max(Math.floor((policy.capacityMs - ahead) / policy.emissionMs), 0),
      resetSeconds: Math.ceil(nextUnitMs(policy, ahead) / 1000),
    };
  });
}

/**
 * The highest TATs the store can hold now, given TATs this instance saw earlier (`known`). Others
 * may have spent S units since; each unit moves every policy's TAT on by at least T and no TAT
 * passes now + C, so S ≤ (now + C − known)/T for every policy, and a policy's TAT is now at most
 * max(known, now) + S·T (and never more than now + C). With one policy exhausted S is about zero,
 * so the bound is tight exactly when a blocked key is answered from memory.
 */
export function upperBoundTats(policies: readonly CompiledPolicy[], known: Tats, now: number): Record<string, number> {
  const spendable = Math.min(
    ...policies.map((p) => {
      const k = known[p.name];
      return k === undefined ? Number.POSITIVE_INFINITY : Math.max(Math.floor((now + p.capacityMs - k) / p.emissionMs), 0);
    }),
  );
  return Object.fromEntries(
    policies.map((p) => {
      const k = known[p.name] ?? now;
      const ceiling = now + p.capacityMs;
      const bound = Number.isFinite(spendable) ? Math.min(ceiling, Math.max(k, now) + spendable * p.emissionMs) : ceiling;
      return [p.name, Math.max(bound, k)];
    }),
  );
}

/**
 * A denial answered from memory: decided on the TATs this instance saw (a lower bound of the stored
 * ones, so if they deny, the store denies too), but with Retry-After and fields from the upper bound,
 * so a client that obeys Retry-After is never early, whatever other instances spent meanwhile.
 */
export function cachedDenial(policies: readonly CompiledPolicy[], known: Tats, now: number, weight: number): Evaluation {
  return evaluate(policies, upperBoundTats(policies, known, now), now, weight);
}

export function evaluate(policies: readonly CompiledPolicy[], tats: Tats, now: number, weight: number): Evaluation {
  const next: Record<string, number> = {};
  const kept: Record<string, number> = {};
  let retryAfterMs = 0;
  let violated: CompiledPolicy | undefined;
  for (const policy of policies) {
    const base = Math.max(tats[policy.name] ?? now, now);
    kept[policy.name] = base;
    next[policy.name] = base + weight * policy.emissionMs;
    const wait = next[policy.name]! - policy.capacityMs - now;
    if (wait > 0 && wait > retryAfterMs) {
      retryAfterMs = wait;
      violated = policy;
    }
  }
  const allowed = violated === undefined;
  const after = allowed ? next : kept;
  return { allowed, tats: after, retryAfterMs, ...(violated ? { violated } : {}), states: describe(policies, after, now) };
}
