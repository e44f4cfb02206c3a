import type { RouteRateLimit } from './config';
import type { Decision, Limiter, LimitRequest } from './limiter';
import type { MetricsSink } from './metrics';

/**
 * What decides a request when the limiter's store does not answer: the route's failure policy.
 * `open` decides with the in-process fallback bucket; `closed` admits nothing until the store answers
 * again. A signed-in caller's request is always decided as `closed`: its token is checked against
 * "sign out everywhere" only inside the store's write, so without the store nothing shows the token
 * was not revoked. Every outcome is recorded as one metric; a store failure is logged.
 */
export interface FailurePolicyDependencies {
  limiter: () => Limiter;
  fallback: Limiter;
  metrics: MetricsSink;
  log: (message: string, attributes: Record<string, unknown>) => void;
}

/** The store failed and the request may not be served without it (the caller answers 503). */
export interface StoreUnavailable {
  outcome: 'store-unavailable';
}

export async function decideWithFailurePolicy(
  deps: FailurePolicyDependencies,
  request: LimitRequest,
  failure: NonNullable<RouteRateLimit['failure']>,
): Promise<Decision | StoreUnavailable> {
  const policySet = request.policySet;
  try {
    const decision = await deps.limiter().check(request);
    // Sessions: a revoked token is an authentication answer, not a limiter outcome.
    if (decision.outcome !== 'revoked') deps.metrics.record(decision.outcome, { policySet });
    return decision;
  } catch (error) {
    const closed = failure === 'closed' || request.issuedAt !== undefined;
    deps.log('rate limiter store failed', { failure: closed ? 'closed' : 'open', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    if (closed) {
      deps.metrics.record('store-error-closed', { policySet });
      return { outcome: 'store-unavailable' };
    }
    deps.metrics.record('store-error-open', { policySet });
    return deps.fallback.check(request);
  }
}
