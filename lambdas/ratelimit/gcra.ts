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
  /** Seconds until the whole quota is available again (the TAT reaches now). */
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

export function describe(policies: readonly CompiledPolicy[], tats: Tats, now: number): PolicyState[] {
  return policies.map((policy) => {
    const ahead = Math.max((tats[policy.name] ?? now) - now, 0);
    return {
      policy,
      remaining: Math.max(Math.floor((policy.capacityMs - ahead) / policy.emissionMs), 0),
      resetSeconds: Math.ceil(ahead / 1000),
    };
  });
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
