/**
 * One CloudWatch metric per limiter outcome, written as Embedded Metric Format lines (CloudWatch turns
 * a Lambda log line in this shape into a metric; no API call, no extra latency). The sink is
 * injectable so tests can count outcomes.
 */
export type MetricOutcome = 'allowed' | 'limited' | 'cached-block' | 'store-error-open' | 'store-error-closed';

export const METRIC_NAMES: Record<MetricOutcome, string> = {
  allowed: 'RateLimitAllowed',
  limited: 'RateLimitLimited',
  'cached-block': 'RateLimitCachedBlock',
  'store-error-open': 'RateLimitStoreErrorOpen',
  'store-error-closed': 'RateLimitStoreErrorClosed',
};

export interface MetricsSink {
  record(outcome: MetricOutcome, dimensions: { policySet: string }): void;
}

/**
 * Published under the dimension set the alarms watch (`service`, as set per stage by the stack in
 * POWERTOOLS_SERVICE_NAME) and, for drilling down, `service` + `policySet`.
 */
export function emfLine(
  outcome: MetricOutcome,
  dimensions: { policySet: string },
  timestamp = Date.now(),
  env: NodeJS.ProcessEnv = process.env,
): string {
  const name = METRIC_NAMES[outcome];
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'Rungs',
          Dimensions: [['service'], ['service', 'policySet']],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    service: env.POWERTOOLS_SERVICE_NAME ?? 'rungs-api',
    policySet: dimensions.policySet,
    [name]: 1,
  });
}

/** EMF to stdout inside Lambda; silent elsewhere (the local platform and tests have no CloudWatch). */
export function defaultMetricsSink(env: NodeJS.ProcessEnv = process.env): MetricsSink {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return { record: () => {} };
  return { record: (outcome, dimensions) => process.stdout.write(`${emfLine(outcome, dimensions)}\n`) };
}
