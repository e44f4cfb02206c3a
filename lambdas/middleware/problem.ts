import type { MiddlewareObj } from '@middy/core';
import { createError, type HttpError } from '@middy/util';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Errors are values with a status and a problem type (RFC 9457), thrown once with `problem()` and
 * rendered once by `problemDetails()`.
 *
 * Order: `problemDetails()` is attached first in every chain so that its `onError` runs last
 * (middy runs `onError` in reverse order), after any middleware that adds headers to the response.
 */

export interface ProblemOptions {
  /** A short, stable slug naming the kind of problem, e.g. "not-found"; becomes `/problems/<slug>`. */
  type?: string;
  detail?: string;
  headers?: Record<string, string>;
  /** Extension members (RFC 9457 §3.2), e.g. the violated rate-limit policy. */
  extensions?: Record<string, unknown>;
}

export function problem(status: number, title: string, options: ProblemOptions = {}): HttpError {
  // middy's HttpError keeps only `expose` and `cause` of its options; the problem rides along as a property.
  const error = createError(status, title, { expose: status < 500 || Boolean(options.type) });
  error.problem = options;
  return error;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemResponse(
  status: number,
  title: string,
  instance: string,
  options: ProblemOptions = {},
): APIGatewayProxyStructuredResultV2 {
  const body = {
    type: options.type ? `/problems/${options.type}` : 'about:blank',
    title,
    status,
    ...(options.detail ? { detail: options.detail } : {}),
    instance,
    ...options.extensions,
  };
  return {
    statusCode: status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...options.headers },
    body: JSON.stringify(body),
  };
}

const isHttpError = (error: unknown): error is HttpError =>
  typeof error === 'object' && error !== null && 'statusCode' in error && 'expose' in error;

export function problemDetails(
  options: { log?: (entry: Record<string, unknown>) => void } = {},
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  return {
    onError: (request) => {
      if (request.response !== undefined) return;
      const error = request.error;
      const instance = request.event.rawPath ?? '/';
      if (isHttpError(error) && error.expose) {
        const details = (error.problem ?? {}) as ProblemOptions;
        request.response = problemResponse(error.statusCode, error.message, instance, details);
        return;
      }
      // Anything unexpected is logged with its stack and answered without internals.
      log({ level: 'ERROR', message: 'unhandled error', path: instance, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
      // Headers other middleware attached (e.g. RateLimit) still go out; nothing about the error does.
      const headers = (error as { problem?: ProblemOptions } | null)?.problem?.headers;
      request.response = problemResponse(500, 'Internal Server Error', instance, { type: 'internal', ...(headers ? { headers } : {}) });
    },
  };
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
