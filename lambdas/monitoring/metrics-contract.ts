/**
 * The metrics contract shared by the functions and the stack: every function publishes with
 * Powertools Metrics into this namespace, and `lib/constructs/observability.ts` imports it to alarm on
 * the same metrics (no literal repeated on either side). Dependency-free, so the CDK app can load it.
 */
export const METRICS_NAMESPACE = 'Rungs';

/** The content ingest's metrics (its alarm in `lib/constructs/observability.ts` reads the same name). */
export const INGEST_METRICS = {
  /** Uploaded files the ingest could not parse or store; 0 is published on a clean run. */
  failures: 'IngestFailures',
} as const;
