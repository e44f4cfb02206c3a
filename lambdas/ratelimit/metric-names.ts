/**
 * The limiter's metric names, one per outcome. The stack's alarms and dashboard
 * (`lib/constructs/observability.ts`) import these, so a rename cannot leave an alarm watching a
 * metric nobody writes. Dependency-free, so the CDK app can load it.
 */
export type MetricOutcome = 'allowed' | 'limited' | 'cached-block' | 'store-error-open' | 'store-error-closed';

export const RATE_LIMIT_METRICS = {
  allowed: 'RateLimitAllowed',
  limited: 'RateLimitLimited',
  'cached-block': 'RateLimitCachedBlock',
  'store-error-open': 'RateLimitStoreErrorOpen',
  'store-error-closed': 'RateLimitStoreErrorClosed',
} as const satisfies Record<MetricOutcome, string>;
