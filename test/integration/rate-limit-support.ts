import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiEvent, lambdaContext } from '../../bin/local/adapter';
import type { ApiContext, Identity } from '../../lambdas/middleware/request-context';
import { problemDetails } from '../../lambdas/middleware/problem';
import { rateLimit, type RateLimitDependencies } from '../../lambdas/middleware/rate-limit';
import type { RouteRateLimit } from '../../lambdas/ratelimit/config';
import type { MetricOutcome, MetricsSink } from '../../lambdas/ratelimit/metrics';
import { createLimiterStore, type LimiterStore } from '../../lambdas/ratelimit/store';
import { freshStore } from '../support/store';

/** A fresh table and a limiter store on it; DynamoDB Local under hundreds of concurrent writes (queued in the client, within the whole-call bound) needs far more than 150 ms. */
export async function freshLimiterStore(): Promise<LimiterStore & { endpoint: string }> {
  const store = await freshStore();
  return { ...createLimiterStore({ tableName: store.tableName, endpoint: store.endpoint }, { timeoutMs: 60_000 }), endpoint: store.endpoint };
}

/** A clock that only moves when told to, so refills never happen behind a test's back. */
export function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, set: (t: number) => (now = t), advance: (ms: number) => (now += ms), start };
}

export function recordingMetrics(): MetricsSink & { outcomes: MetricOutcome[] } {
  const outcomes: MetricOutcome[] = [];
  return { outcomes, record: (outcome) => void outcomes.push(outcome) };
}

/** A handler behind problemDetails() and rateLimit(), in the order httpHandler() uses, with an optional verified caller. */
export function limitedHandler(
  route: RouteRateLimit,
  deps: Partial<RateLimitDependencies>,
  fn: () => Promise<APIGatewayProxyStructuredResultV2> = async () => ({ statusCode: 200, headers: { 'Content-Type': 'text/plain' }, body: 'ok' }),
) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>()
    .use(problemDetails())
    .use(rateLimit(route, { log: () => {}, ...deps }))
    .handler(fn);
  return async (options: { caller?: Identity; ip?: string } = {}) => {
    const context = { ...lambdaContext('test'), ...(options.caller ? { caller: options.caller } : {}) } as ApiContext;
    const event = apiEvent({ method: 'GET', template: '/api/test', path: '/api/test', sourceIp: options.ip ?? '198.51.100.7' });
    return (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
  };
}
