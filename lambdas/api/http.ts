import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { problemDetails } from '../middleware/problem';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/**
 * The one place a route handler's middleware chain is assembled. Order:
 *   1. problemDetails — renders every thrown problem as application/problem+json (its onError runs last)
 *   (later: authentication, rate limiting — each documents where it sits)
 */
export function httpHandler(fn: (event: ApiEvent, context: Context) => Promise<ApiResult>) {
  return middy<ApiEvent, ApiResult>().use(problemDetails()).handler(fn);
}
