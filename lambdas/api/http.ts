import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemDetails } from '../middleware/problem';
import type { ApiContext } from '../middleware/request-context';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** Per-route choices the middleware chain acts on. */
export interface RouteOptions {
  /** Reserved for the chain's later middleware (authentication, rate limiting). */
  readonly [option: string]: unknown;
}

/**
 * The one place a route handler's middleware chain is assembled. Order (middy runs `before` top to
 * bottom and `after`/`onError` bottom to top):
 *   1. problemDetails — renders every thrown problem as application/problem+json (its onError runs last)
 */
export function httpHandler(fn: (event: ApiEvent, context: ApiContext) => Promise<ApiResult>, _options: RouteOptions = {}) {
  return middy<ApiEvent, ApiResult, Error, ApiContext>().use(problemDetails()).handler(fn);
}
