import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { RATE_LIMIT_METRICS, type MetricOutcome } from './metric-names';

export { RATE_LIMIT_METRICS, type MetricOutcome } from './metric-names';

/** Where the limiter's outcomes go; injectable so tests can count them. */
export interface MetricsSink {
  record(outcome: MetricOutcome, dimensions: { policySet: string }): void;
}

/**
 * One CloudWatch metric per outcome through Powertools Metrics (EMF log lines: no API call, no
 * latency), published at once as a single metric under the one dimension the alarms watch,
 * `service` (Powertools adds it from POWERTOOLS_SERVICE_NAME). The policy set rides along as EMF
 * metadata: searchable in the log line (Logs Insights), not a dimension, because Powertools cannot
 * emit a `service`-only set beside a `service` + `policySet` set for one metric. Silent wherever
 * Powertools is disabled (POWERTOOLS_METRICS_DISABLED, set by the local platform and the tests).
 */
export function powertoolsMetricsSink(metrics: Metrics): MetricsSink {
  return {
    record: (outcome, dimensions) => {
      const single = metrics.singleMetric();
      single.addMetadata('policySet', dimensions.policySet);
      single.addMetric(RATE_LIMIT_METRICS[outcome], MetricUnit.Count, 1);
    },
  };
}
