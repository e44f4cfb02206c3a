import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiEvent, lambdaContext } from '../../bin/local/adapter';
import type { ApiContext, Identity } from '../../lambdas/middleware/request-context';
import { problemDetails } from '../../lambdas/middleware/problem';
import { rateLimit, type RateLimitDependencies } from '../../lambdas/middleware/rate-limit';
import type { RouteRateLimit } from '../../lambdas/ratelimit/config';
import type { MetricOutcome, MetricsSink } from '../../lambdas/ratelimit/metrics';
import { DynamoLimiter, type DynamoLimiterOptions } from '../../lambdas/ratelimit/limiter';
import { compilePolicies } from '../../lambdas/ratelimit/policy';
import { createLimiterStore, type LimiterStore } from '../../lambdas/ratelimit/store';
import { startSlowStore } from '../support/slow-store';
import { freshStore } from '../support/store';

/** A fresh table and a limiter store on it; DynamoDB Local under hundreds of concurrent writes (queued in the client, within the whole-call bound) needs far more than 150 ms. */
export async function freshLimiterStore(): Promise<LimiterStore & { endpoint: string }> {
  const store = await freshStore();
  return { ...createLimiterStore({ tableName: store.tableName, endpoint: store.endpoint }, { timeoutMs: 60_000 }), endpoint: store.endpoint };
}

/**
 * A fresh table behind a slow-store proxy, and a limiter talking through it with the production
 * client settings except a longer whole-call bound (500 ms unless told: DynamoDB Local on a busy
 * machine can need more than 150 ms) and no cooldown unless told. A few unrelated decisions first
 * warm the emulator, so only the proxy makes the store slow. The caller stops the proxy.
 */
export async function limiterBehindSlowStore(options: Omit<DynamoLimiterOptions, 'store'> & { timeoutMs?: number } = {}) {
  const { timeoutMs = 500, ...limiterOptions } = options;
  const table = await freshStore();
  const proxy = await startSlowStore(table.endpoint);
  const store = createLimiterStore({ tableName: table.tableName, endpoint: proxy.endpoint }, { timeoutMs });
  const limiter = new DynamoLimiter({ ...limiterOptions, cooldownMs: limiterOptions.cooldownMs ?? 0, store });
  const patient = new DynamoLimiter({ store: createLimiterStore({ tableName: table.tableName, endpoint: proxy.endpoint }, { timeoutMs: 10_000 }) });
  const policies = compilePolicies([{ name: 'burst', limit: 5, periodSeconds: 60 }]);
  for (let i = 0; i < 3; i++) await patient.check({ subject: 'user:warm-up', policySet: 'default', policies, weight: 1 });
  return { proxy, limiter, table };
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
