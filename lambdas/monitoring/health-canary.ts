import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from './metrics-contract';
import { HEALTH_CANARY } from './contract';

// Namespace and service from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME (set by the stack), else Rungs' own.
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE });

/**
 * Scheduled every minute: calls `/api/health` through the distribution (edge, WAF, API, function,
 * table — the whole path a learner uses) and publishes 1 or 0. Its alarm treats missing data as
 * breaching, so a canary that stops running is an alarm too. One attempt, bounded by the timeout.
 */
export async function handler(): Promise<{ passed: boolean; status?: number }> {
  const site = process.env[HEALTH_CANARY.siteUrlEnv];
  if (!site) throw new Error(`${HEALTH_CANARY.siteUrlEnv} is not set`);
  let status: number | undefined;
  try {
    const response = await fetch(new URL('/api/health', site), {
      signal: AbortSignal.timeout(HEALTH_CANARY.timeoutMs),
      headers: { 'User-Agent': 'rungs-health-canary' },
    });
    status = response.status;
  } catch {
    status = undefined; // timeout, DNS or TLS failure: the check did not pass
  }
  const passed = status === 200;
  metrics.addMetric(HEALTH_CANARY.metric, MetricUnit.Count, passed ? 1 : 0);
  metrics.publishStoredMetrics();
  return { passed, ...(status !== undefined ? { status } : {}) };
}
