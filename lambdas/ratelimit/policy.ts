import * as z from '../domain/zod';

/**
 * A rate-limit policy: at most `limit` units of cost per `periodSeconds`, with a burst of up to
 * `limit` at once (GCRA). Names appear in headers, problem bodies and stored attribute names, so they
 * are short lowercase tokens.
 */
export const policySchema = z
  .object({
    name: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'a policy name is a lowercase token of at most 32 characters')),
    limit: z.number().check(z.int(), z.positive()),
    periodSeconds: z.number().check(z.int(), z.positive()),
    /**
     * What the quota counts (the RateLimit draft's `qu`): `requests` (the default, every request
     * costs 1) or `units`, for a policy that routes spend with weights (an export costs 10).
     */
    unit: z.optional(z.enum(['requests', 'units'])),
  })
  // Times are whole milliseconds, so a policy can emit at most one unit per millisecond.
  .check(z.refine((p) => p.limit <= p.periodSeconds * 1000, { message: 'a policy allows at most 1000 units per second' }));

export type Policy = z.infer<typeof policySchema>;

/**
 * A policy in the limiter's units: the emission interval T (ms per unit of cost) and the capacity
 * L·T (the furthest a key's theoretical arrival time may run ahead of now). T is rounded down to whole
 * milliseconds and the capacity is L·T rather than the period, so a burst is exactly `limit` units
 * and every comparison is exact integer arithmetic, in DynamoDB and in JavaScript alike.
 */
export interface CompiledPolicy extends Policy {
  emissionMs: number;
  capacityMs: number;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const valid = policySchema.parse(policy);
  const emissionMs = Math.floor((valid.periodSeconds * 1000) / valid.limit);
  return { ...valid, emissionMs, capacityMs: emissionMs * valid.limit };
}

/** A non-empty list of uniquely named policies, decided together for one key. */
export function compilePolicies(policies: readonly Policy[]): CompiledPolicy[] {
  if (policies.length === 0) throw new Error('a rate-limit policy set needs at least one policy');
  const names = new Set(policies.map((p) => p.name));
  if (names.size !== policies.length) throw new Error(`policy names must be unique: ${policies.map((p) => p.name).join(', ')}`);
  return policies.map(compilePolicy);
}

/** A weighted route must spend policies counted in units, or its RateLimit fields would claim to count requests. */
export function assertUnits(weight: number, policies: readonly CompiledPolicy[]): void {
  const inRequests = policies.find((p) => (p.unit ?? 'requests') === 'requests');
  if (weight !== 1 && inRequests) throw new Error(`a route of weight ${weight} spends policy "${inRequests.name}", which counts requests: declare it with unit "units"`);
}

/** A route's weight must be a positive integer no larger than the smallest limit it meets, or no request could ever pass. */
export function assertWeight(weight: number, policies: readonly CompiledPolicy[]): void {
  if (!Number.isInteger(weight) || weight < 1) throw new Error(`a route weight must be a positive integer, got ${weight}`);
  const tooSmall = policies.find((p) => p.limit < weight);
  if (tooSmall) throw new Error(`weight ${weight} exceeds policy "${tooSmall.name}" (limit ${tooSmall.limit}): no request could pass`);
}
