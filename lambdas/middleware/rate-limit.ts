import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { compiledPolicySets, tierOf, type CompiledPolicySets, type RouteRateLimit } from '../ratelimit/config';
import { rateLimitHeaders, retryAfterSeconds } from '../ratelimit/headers';
import { decideWithFailurePolicy } from '../ratelimit/failure-policy';
import { DynamoLimiter, FallbackLimiter, type Decision, type Limiter, type LimitRequest } from '../ratelimit/limiter';
import { powertoolsMetricsSink, type MetricsSink } from '../ratelimit/metrics';
import { assertUnits, assertWeight } from '../ratelimit/policy';
import { defaultLimiterStore } from '../ratelimit/store';
import * as keys from '../store/keys';
import { authorsGroupFromEnv } from './auth-config';
import { sessionEnded } from './auth';
import { clientIp, rateLimitNetwork } from './client-ip';
import { logger, metrics } from './observability';
import { problem, responseHeaders, setResponseHeaders } from './problem';
import type { ApiContext } from './request-context';

/**
 * Per-caller rate limiting for one route.
 *
 * Order: after authentication (which sets `context.caller`) and after `problemDetails()`, so that
 *   - the key is the verified `sub` (`user:<sub>`), or the client IP as CloudFront saw it
 *     (`ip:<address>`, from `clientIp()`) when the route is anonymous or the caller did not sign in;
 *   - the tier comes from the caller's verified groups (the configured authors group lifts to `author`);
 *   - a 429/503 thrown here is rendered by `problemDetails()`, whose onError runs after this one's.
 * Pairs with: `problemDetails()` (renders the problems and merges the headers set here with
 * `setResponseHeaders`), authentication (identity), `clientIp()`.
 *
 * Every response gets `RateLimit` and `RateLimit-Policy`: `before` keeps them in `request.internal`,
 * `after` adds them to a handler's result and `problemDetails()` to any problem. A 429 also carries
 * `Retry-After` and names the violated policy. When DynamoDB cannot answer, the route's failure policy
 * applies: `open` decides with an in-process bucket, `closed` answers 503 with `Retry-After`. Each
 * outcome emits one metric.
 */
export type { RouteRateLimit } from '../ratelimit/config';

export interface RateLimitDependencies {
  /** Created on first use, so importing a handler needs no table configuration. */
  limiter: () => Limiter;
  fallback: Limiter;
  metrics: MetricsSink;
  policySets: CompiledPolicySets;
  /** Where a store failure is reported (the Powertools logger, so the line carries the correlation id). */
  log: (message: string, attributes: Record<string, unknown>) => void;
  /** The group whose members get the author tier (AUTH_AUTHORS_GROUP by default). */
  authorsGroup: string;
}

/** Seconds a client should wait when the limiter's store is down and the route fails closed. */
export const STORE_DOWN_RETRY_AFTER_SECONDS = 2;

let sharedLimiter: Limiter | undefined;
let sharedFallback: Limiter | undefined;

const defaults = (): RateLimitDependencies => ({
  limiter: () => (sharedLimiter ??= new DynamoLimiter({ store: defaultLimiterStore() })),
  fallback: (sharedFallback ??= new FallbackLimiter()),
  metrics: powertoolsMetricsSink(metrics),
  policySets: compiledPolicySets,
  log: (message, attributes) => logger.warn(message, attributes),
  authorsGroup: authorsGroupFromEnv(),
});

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
  for (const policies of Object.values(byTier)) {
    assertWeight(weight, policies);
    assertUnits(weight, policies);
  }
  if (failure !== 'open' && failure !== 'closed') throw new Error(`failure policy must be "open" or "closed", got "${String(failure)}"`);

  /** The store's decision, or the failure policy's when the store fails (ratelimit/failure-policy.ts). */
  const decide = async (limitRequest: LimitRequest): Promise<Decision> => {
    const decision = await decideWithFailurePolicy(deps, limitRequest, failure);
    if (decision.outcome !== 'store-unavailable') return decision;
    // Nothing can be granted until the store answers again: no quota left, reset at Retry-After.
    const policyHeader = rateLimitHeaders(limitRequest.policies.map((policy) => ({ policy, remaining: 0, resetSeconds: STORE_DOWN_RETRY_AFTER_SECONDS })));
    throw problem(503, 'Service Unavailable', {
      type: 'rate-limiter-unavailable',
      detail: 'The request could not be checked against its rate limit; try again shortly.',
      headers: { ...policyHeader, 'Retry-After': String(STORE_DOWN_RETRY_AFTER_SECONDS) },
    });
  };

  return {
    before: async (request) => {
      const caller = request.context.caller;
      const subject = caller ? keys.rateLimitSubject.user(caller.sub) : keys.rateLimitSubject.network(rateLimitNetwork(clientIp(request.event, request.context.originVerified === true)));
      const policies = byTier[tierOf(caller, deps.authorsGroup)];
      const decision = await decide({ subject, policySet, policies, weight, ...(caller?.issuedAt !== undefined ? { issuedAt: caller.issuedAt } : {}) });
      // Sessions: the token was issued before "sign out everywhere"; nothing was spent.
      if (decision.outcome === 'revoked') throw sessionEnded();
      // A 429 names only the violated policy in RateLimit: its `t` (next unit back) is never later
      // than Retry-After (enough units for this request, on every policy).
      const violatedState = decision.states.filter((state) => state.policy === decision.violated);
      const current = decision.allowed || violatedState.length === 0 ? decision.states : violatedState;
      setResponseHeaders(request, rateLimitHeaders(decision.states, current));
      if (!decision.allowed) {
        // (Only a denial after lost write races names no policy; it too never says less than a `t` it carries.)
        const seconds = Math.max(retryAfterSeconds(decision.retryAfterMs), ...current.map((state) => state.resetSeconds));
        const violated = decision.violated?.name ?? 'contention';
        throw problem(429, 'Too Many Requests', {
          type: 'rate-limited',
          detail: `Rate limit "${violated}" is exhausted; retry after ${seconds} s.`,
          headers: { 'Retry-After': String(seconds) },
          extensions: { policy: violated, retryAfterSeconds: seconds },
        });
      }
    },
    after: (request) => {
      // Problems get the same headers from problemDetails(), which merges responseHeaders() into them.
      if (request.response) request.response.headers = { ...request.response.headers, ...responseHeaders(request) };
    },
  };
}
