import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { METRICS_NAMESPACE } from '../monitoring/metrics-contract';
import { isExposedProblem } from './problem';
import type { ApiContext } from './request-context';

/**
 * Powertools Logger (structured JSON with the API Gateway request id as correlation id) and Metrics
 * (CloudWatch EMF). The event is never logged, so neither is the Authorization header: log lines
 * carry only what is appended to them explicitly. Traces come from Lambda's active tracing (the
 * function's own segments, see RungsFunction), not from an X-Ray SDK in the bundle: that SDK cost
 * ~110 KiB and a third of the import time of every cold start (docs/architecture.md, "Tracing").
 *
 * Order: directly after problemDetails, so that the request id is on every log line the later
 * middleware write and metrics are flushed after the response (problem responses included) exists.
 * Quiet where no one reads them: the local platform and tests set POWERTOOLS_LOG_LEVEL and
 * POWERTOOLS_METRICS_DISABLED (see bin/local/platform.ts).
 */

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'rungs-api';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName });

type Middleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>;

const correlation: Middleware = {
  before: (request) => {
    logger.setCorrelationId(request.event.requestContext?.requestId);
  },
  after: (request) => {
    const status = request.response?.statusCode ?? 0;
    logger.info('request', { route: request.event.routeKey, status });
  },
  onError: (request) => {
    // problemDetails renders the response after this runs (it sits first), so log the status the error
    // carries. This runs before injectLambdaContext resets the logger's keys, so the line keeps the
    // correlation id; an unexpected error (answered as a bare 500) is logged with its stack.
    const error = request.error;
    const route = request.event.routeKey;
    if (isExposedProblem(error)) logger.info('request failed', { route, status: error.statusCode });
    else if (error instanceof Error) logger.error({ message: 'unhandled error', route, path: request.event.rawPath, status: 500 }, error);
    else logger.error({ message: 'unhandled error', route, path: request.event.rawPath, status: 500 }, { error: String(error) });
  },
};

// Instead of Powertools' logMetrics: it warns on every request that added no metric (most reads).
const flushMetrics = () => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
};
const metricsFlush: Middleware = { after: flushMetrics, onError: flushMetrics };

export function observability(): Middleware[] {
  return [
    injectLambdaContext(logger, { resetKeys: true }) as Middleware,
    correlation,
    metricsFlush,
  ];
}

/** Counts one occurrence of a business event (attempts graded, reviews, auth failures). */
export const countMetric = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);
