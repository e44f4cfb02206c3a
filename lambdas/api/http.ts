import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemDetails } from '../middleware/problem';
import { rateLimit, type RouteRateLimit } from '../middleware/rate-limit';
import type { ApiContext } from '../middleware/request-context';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** Per-route choices the middleware chain acts on. */
export interface RouteOptions {
  /** Reserved for the chain's later middleware (authentication, rate limiting). */
  readonly [option: string]: unknown;
  /** Weight, failure policy (open/closed) and policy set of the route's rate limit; defaults apply when omitted. */
  readonly rateLimit?: RouteRateLimit;
}

/**
 * The one place a route handler's middleware chain is assembled. Order (middy runs `before` top to
 * bottom and `after`/`onError` bottom to top):
 *   1. problemDetails — renders every thrown problem as application/problem+json (its onError runs last)
 *   2. rateLimit — after authentication: keys by verified sub or client IP, 429/503, RateLimit headers
 */
export function httpHandler(fn: (event: ApiEvent, context: ApiContext) => Promise<ApiResult>, options: RouteOptions = {}) {
  return middy<ApiEvent, ApiResult, Error, ApiContext>()
    .use(problemDetails())
    .use(rateLimit(options.rateLimit))
    .handler(fn);
}
