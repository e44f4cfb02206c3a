import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authenticate, type AuthMode } from '../middleware/auth';
import { idempotency, takeReplay } from '../middleware/idempotency';
import { observability } from '../middleware/observability';
import { problemDetails } from '../middleware/problem';
import { rateLimit, type RouteRateLimit } from '../middleware/rate-limit';
import { defaultStore } from '../store/client';
import type { ApiContext } from '../middleware/request-context';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** Per-route choices the middleware chain acts on. */
export interface RouteOptions {
  /** Who may call the route (default `public`: the token is not even read). */
  readonly auth?: AuthMode;
  /** Honour `Idempotency-Key` (writes a client may retry). */
  readonly idempotent?: boolean;
  /** Weight, failure policy (open/closed) and policy set of the route's rate limit; defaults apply when omitted. */
  readonly rateLimit?: RouteRateLimit;
  /** Reserved for further middleware. */
  readonly [option: string]: unknown;
}

/**
 * The one place a route handler's middleware chain is assembled. Order (middy runs `before` top to
 * bottom and `after`/`onError` bottom to top):
 *   1. problemDetails — renders every thrown problem as application/problem+json (its onError runs last)
 *   2. observability — Powertools logger (correlation id), metrics, tracer
 *   3. authenticate — verifies the bearer token per `options.auth`, sets context.caller
 *   4. rateLimit — keys by the verified sub (else the client IP), tier from verified groups; 429/503,
 *      RateLimit headers on every response. Before idempotency, so a replayed retry still spends quota.
 *   5. idempotency — only with `options.idempotent`: replays a retried write's stored response
 */
export function httpHandler(fn: (event: ApiEvent, context: ApiContext) => Promise<ApiResult>, options: RouteOptions = {}) {
  const chain = middy<ApiEvent, ApiResult, Error, ApiContext>()
    .use(problemDetails())
    .use(observability())
    .use(authenticate(options.auth ?? 'public'))
    .use(rateLimit(options.rateLimit));
  if (!options.idempotent) return chain.handler(fn);
  // A replayed retry answers with the stored response instead of running the handler again.
  return chain.use(idempotency(defaultStore)).handler(async (event, context) => takeReplay(context) ?? fn(event, context));
}
