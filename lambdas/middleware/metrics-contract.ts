/**
 * The metrics contract shared by the functions and the stack: every function publishes with
 * Powertools Metrics into this namespace, and `lib/constructs/observability.ts` imports it to alarm on
 * the same metrics (no literal repeated on either side). Dependency-free, so the CDK app can load it.
 */
export const METRICS_NAMESPACE = 'Rungs';
