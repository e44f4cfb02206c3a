import { compilePolicies, type CompiledPolicy, type Policy } from './policy';

/**
 * Every rate-limit policy of the platform, in one place. A policy set is what a route opts into
 * (its state is shared by all routes of the set); within a set, the caller's tier picks the limits.
 * Limits are passed to the limiter on every call: editing a number here and deploying is the whole
 * change, with no migration of stored state. Policy names within a set stay stable (they name the
 * stored attributes); renaming one starts it from a full quota.
 */
export const tiers = ['anonymous', 'learner', 'author'] as const;
export type Tier = (typeof tiers)[number];

/**
 * Groups (from the verified token) that lift a caller to a higher tier, highest first. The authors
 * group is whatever the deployment configures (AUTH_AUTHORS_GROUP, `authorsGroup` of the auth
 * configuration), so the author tier and the author routes always agree on who is an author.
 */
export const tierGroups = (authorsGroup: string): readonly { group: string; tier: Tier }[] => [{ group: authorsGroup, tier: 'author' }];

const minute = 60;
const day = 86_400;

export const policySets = {
  /**
   * Every API route unless it chooses another set: a per-minute burst and a daily quota. Counted in
   * units, since account export and deletion cost 10 (`qu="units"` in the RateLimit fields).
   */
  default: {
    anonymous: [
      { name: 'burst', limit: 120, periodSeconds: minute, unit: 'units' },
      { name: 'daily', limit: 5_000, periodSeconds: day, unit: 'units' },
    ],
    learner: [
      { name: 'burst', limit: 300, periodSeconds: minute, unit: 'units' },
      { name: 'daily', limit: 20_000, periodSeconds: day, unit: 'units' },
    ],
    author: [
      { name: 'burst', limit: 600, periodSeconds: minute, unit: 'units' },
      { name: 'daily', limit: 50_000, periodSeconds: day, unit: 'units' },
    ],
  },
} satisfies Record<string, Record<Tier, Policy[]>>;

export type PolicySetName = keyof typeof policySets;

/** What a route declares about its rate limit in the route table (`lambdas/api/routes.ts`). */
export interface RouteRateLimit {
  /** Units of quota one request costs (an expensive route costs more). Default 1. */
  readonly weight?: number;
  /** What to do when the limiter's store cannot answer. Default `open`. */
  readonly failure?: 'open' | 'closed';
  /** Which policy set's quota the route spends. Default `default`. */
  readonly policySet?: PolicySetName;
}

export type CompiledPolicySets = Record<string, Record<Tier, CompiledPolicy[]>>;

/** Validates every set and tier once, at module load: the limiter refuses to start half-configured. */
export function compilePolicySets(sets: Record<string, Record<Tier, readonly Policy[]>>): CompiledPolicySets {
  const compiled: CompiledPolicySets = {};
  for (const [setName, byTier] of Object.entries(sets)) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(setName)) throw new Error(`policy set name "${setName}" must be a lowercase token`);
    const entry = {} as Record<Tier, CompiledPolicy[]>;
    for (const tier of tiers) {
      const policies = byTier[tier];
      if (!policies) throw new Error(`policy set "${setName}" has no limits for tier "${tier}"`);
      entry[tier] = compilePolicies(policies);
    }
    // Tiers differ in limits only: a subject's item then expires after the same horizon whichever
    // tier wrote it last, and clients see the same policies named whatever their tier.
    const shape = (tier: Tier) => entry[tier].map((p) => `${p.name}/${p.periodSeconds}/${p.unit ?? 'requests'}`).join(',');
    const mismatch = tiers.find((tier) => shape(tier) !== shape(tiers[0]));
    if (mismatch) throw new Error(`policy set "${setName}": tier "${mismatch}" must have the same policy names, periods and units as "${tiers[0]}"`);
    compiled[setName] = entry;
  }
  if (Object.keys(compiled).length === 0) throw new Error('no rate-limit policy set is configured');
  return compiled;
}

export const compiledPolicySets = compilePolicySets(policySets);

/** The tier of a caller: anonymous without a verified identity, else the highest tier its groups grant. */
export function tierOf(caller: { readonly groups: readonly string[] } | undefined, authorsGroup: string): Tier {
  if (!caller) return 'anonymous';
  return tierGroups(authorsGroup).find(({ group }) => caller.groups.includes(group))?.tier ?? 'learner';
}
