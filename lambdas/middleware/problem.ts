import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Errors are values with a status and a problem type (RFC 9457), thrown once with `problem()` and
 * rendered once by `problemDetails()`.
 *
 * Headers ride on the error (`error.headers`, as middy's own http-error-handler reads them), and
 * headers that a middleware wants on every answer of a request (e.g. RateLimit) sit in the request's
 * `request.internal` (`setResponseHeaders`); the renderer merges both, so no middleware needs to
 * reach into an error thrown by another.
 *
 * Order: `problemDetails()` is attached first in every chain so that its `onError` runs last
 * (middy runs `onError` in reverse order), after every other middleware has seen the error.
 */

export interface ProblemOptions {
  /** A short, stable slug naming the kind of problem, e.g. "not-found"; becomes `/problems/<slug>`. */
  type?: string;
  detail?: string;
  headers?: Record<string, string>;
  /** Extension members (RFC 9457 §3.2), e.g. the violated rate-limit policy. */
  extensions?: Record<string, unknown>;
}

/**
 * A thrown problem, shaped as middy's HTTP errors are (`statusCode`, `expose`, `headers`) so that any
 * middy error handler renders it, with the body members it is rendered with. Rungs' own class rather
 * than @middy/util's HttpError: that one imports node:http for its status texts, and an ESM import
 * of node:http loads the whole fetch implementation (undici) at cold start.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  /** Rendered as itself; a problem that is not exposed is answered as a bare 500. */
  readonly expose: boolean;

  constructor(
    readonly statusCode: number,
    title: string,
    readonly problem: Omit<ProblemOptions, 'headers'>,
    readonly headers: Record<string, string>,
  ) {
    super(title);
    this.status = statusCode;
    this.expose = statusCode < 500 || Boolean(problem.type);
  }
}

export function problem(status: number, title: string, options: ProblemOptions = {}): ProblemError {
  const { headers = {}, ...body } = options;
  return new ProblemError(status, title, body, headers);
}

type AnyRequest = { internal: object };
const RESPONSE_HEADERS = 'responseHeaders';

/** Adds headers to every answer of this request, a rendered problem included (kept in `request.internal`). */
export function setResponseHeaders(request: AnyRequest, headers: Record<string, string>): void {
  (request.internal as Record<string, unknown>)[RESPONSE_HEADERS] = { ...responseHeaders(request), ...headers };
}

/** The headers every answer of this request carries, as set by `setResponseHeaders`. */
export function responseHeaders(request: AnyRequest): Record<string, string> {
  return ((request.internal as Record<string, unknown>)[RESPONSE_HEADERS] as Record<string, string> | undefined) ?? {};
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

/** An error that is rendered as itself (a thrown `problem()`); anything else is answered as a bare 500. */
export const isExposedProblem = (error: unknown): error is ProblemError => error instanceof ProblemError && error.expose;

/**
 * Renders the error of a failed request. It does not log: observability's `onError` (which runs
 * before this one, while the logger still holds the correlation id) logs unexpected errors with
 * their stack.
 */
export function problemDetails(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      if (request.response !== undefined) return;
      const error = request.error;
      const instance = request.event.rawPath ?? '/';
      if (isExposedProblem(error)) {
        request.response = problemResponse(error.statusCode, error.message, instance, { ...error.problem, headers: { ...responseHeaders(request), ...error.headers } });
        return;
      }
      // Anything unexpected is answered without internals; headers other middleware set for every
      // answer (e.g. RateLimit) still go out, nothing about the error does.
      request.response = problemResponse(500, 'Internal Server Error', instance, { type: 'internal', headers: responseHeaders(request) });
    },
  };
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
