import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { compiledPolicySets, tierOf, type CompiledPolicySets, type PolicySetName } from '../ratelimit/config';
import { rateLimitHeaders, retryAfterSeconds } from '../ratelimit/headers';
import { DynamoLimiter, FallbackLimiter, type Decision, type Limiter, type LimitRequest } from '../ratelimit/limiter';
import { defaultMetricsSink, type MetricsSink } from '../ratelimit/metrics';
import { assertWeight } from '../ratelimit/policy';
import { defaultLimiterStore } from '../store/rate-limit';
import { clientIp, rateLimitNetwork } from './client-ip';
import { problem } from './problem';
import type { ApiContext } from './request-context';

/**
 * Per-caller rate limiting for one route.
 *
 * Order: after authentication (which sets `context.caller`) and after `problemDetails()`, so that
 *   - the key is the verified `sub` (`user:<sub>`), or the client IP as CloudFront saw it
 *     (`ip:<address>`, from `clientIp()`) when the route is anonymous or the caller did not sign in;
 *   - the tier comes from the caller's verified groups;
 *   - a 429/503 thrown here is rendered by `problemDetails()`, whose onError runs after this one's.
 * Pairs with: `problemDetails()` (renders the problems), authentication (identity), `clientIp()`.
 *
 * Every response gets `RateLimit` and `RateLimit-Policy`: `after` adds them to a handler's result and
 * `onError` to any problem the handler threw. A 429 also carries `Retry-After` and names the
 * violated policy. When DynamoDB cannot answer, the route's failure policy applies: `open` decides with
 * an in-process bucket, `closed` answers 503 with `Retry-After`. Each outcome emits one metric.
 */
export interface RouteRateLimit {
  /** Units of quota one request costs (an expensive route costs more). Default 1. */
  weight?: number;
  /** What to do when the limiter's store cannot answer. Default `open`. */
  failure?: 'open' | 'closed';
  /** Which policy set's quota the route spends. Default `default`. */
  policySet?: PolicySetName;
}

export interface RateLimitDependencies {
  /** Created on first use, so importing a handler needs no table configuration. */
  limiter: () => Limiter;
  fallback: Limiter;
  metrics: MetricsSink;
  policySets: CompiledPolicySets;
  log: (entry: Record<string, unknown>) => void;
}

/** Seconds a client should wait when the limiter's store is down and the route fails closed. */
export const STORE_DOWN_RETRY_AFTER_SECONDS = 2;

let sharedLimiter: Limiter | undefined;
let sharedFallback: Limiter | undefined;

const defaults = (): RateLimitDependencies => ({
  limiter: () => (sharedLimiter ??= new DynamoLimiter({ store: defaultLimiterStore() })),
  fallback: (sharedFallback ??= new FallbackLimiter()),
  metrics: defaultMetricsSink(),
  policySets: compiledPolicySets,
  log: (entry) => console.error(JSON.stringify(entry)),
});

type ApiRequest = Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>;

export function rateLimit(
  route: RouteRateLimit = {},
  dependencies: Partial<RateLimitDependencies> = {},
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  const deps = { ...defaults(), ...dependencies };
  const weight = route.weight ?? 1;
  const failure = route.failure ?? 'open';
  const policySet = route.policySet ?? 'default';
  const byTier = deps.policySets[policySet];
  // Refuse to build a route whose limits could never admit a request or do not exist.
  if (!byTier) throw new Error(`unknown rate-limit policy set "${policySet}"`);
  for (const policies of Object.values(byTier)) assertWeight(weight, policies);
  if (failure !== 'open' && failure !== 'closed') throw new Error(`failure policy must be "open" or "closed", got "${String(failure)}"`);

  const headersOf = new WeakMap<ApiRequest, Record<string, string>>();

  /** The store's decision (recorded as its outcome), or the failure policy's when the store fails. */
  const decide = async (request: ApiRequest, limitRequest: LimitRequest): Promise<Decision> => {
    try {
      const decision = await deps.limiter().check(limitRequest);
      deps.metrics.record(decision.outcome, { policySet });
      return decision;
    } catch (error) {
      deps.log({ level: 'WARN', message: 'rate limiter store failed', failure, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      if (failure === 'closed') {
        deps.metrics.record('store-error-closed', { policySet });
        // Nothing can be granted until the store answers again: no quota left, reset at Retry-After.
        const policyHeader = rateLimitHeaders(limitRequest.policies.map((policy) => ({ policy, remaining: 0, resetSeconds: STORE_DOWN_RETRY_AFTER_SECONDS })));
        headersOf.set(request, policyHeader);
        throw problem(503, 'Service Unavailable', {
          type: 'rate-limiter-unavailable',
          detail: 'The request could not be checked against its rate limit; try again shortly.',
          headers: { ...policyHeader, 'Retry-After': String(STORE_DOWN_RETRY_AFTER_SECONDS) },
        });
      }
      deps.metrics.record('store-error-open', { policySet });
      return deps.fallback.check(limitRequest);
    }
  };

  return {
    before: async (request) => {
      const caller = request.context.caller;
      const subject = caller ? `user:${caller.sub}` : `ip:${rateLimitNetwork(clientIp(request.event, request.context.originVerified === true))}`;
      const policies = byTier[tierOf(caller)];
      const decision = await decide(request, { subject, policySet, policies, weight });
      const headers = rateLimitHeaders(decision.states);
      headersOf.set(request, headers);
      if (!decision.allowed) {
        const seconds = retryAfterSeconds(decision.retryAfterMs);
        const violated = decision.violated?.name ?? 'contention';
        throw problem(429, 'Too Many Requests', {
          type: 'rate-limited',
          detail: `Rate limit "${violated}" is exhausted; retry after ${seconds} s.`,
          headers: { ...headers, 'Retry-After': String(seconds) },
          extensions: { policy: violated, retryAfterSeconds: seconds },
        });
      }
    },
    after: (request) => {
      const headers = headersOf.get(request);
      if (headers && request.response) request.response.headers = { ...request.response.headers, ...headers };
    },
    onError: (request) => {
      const headers = headersOf.get(request);
      const error = request.error as (Error & { problem?: { headers?: Record<string, string> } }) | null;
      if (!headers || !error || typeof error !== 'object') return;
      // Unexpected errors too: problemDetails() renders whatever headers ride on the error.
      error.problem = { ...error.problem, headers: { ...headers, ...error.problem?.headers } };
    },
  };
}
