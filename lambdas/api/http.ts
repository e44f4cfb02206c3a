import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authenticate } from '../middleware/auth';
import { idempotency } from '../middleware/idempotency';
import { observability } from '../middleware/observability';
import { originVerify } from '../middleware/origin-verify';
import { defaultOriginSecrets, type OriginSecrets } from '../middleware/origin-secrets';
import { problem, problemDetails } from '../middleware/problem';
import { rateLimit } from '../middleware/rate-limit';
import { sameOrigin } from '../middleware/same-origin';
import type { ApiContext } from '../middleware/request-context';
import { defaultStore } from '../store/client';
import { routeKey, type ApiFunction, type RouteOptions } from './routes';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;
type RouteFn = (event: ApiEvent, context: ApiContext) => Promise<ApiResult>;

/** The site's origins (`SITE_ORIGINS`, comma-separated), which an `Origin` header must name when sent. */
const siteOrigins = () => (process.env.SITE_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);

/** What the chain reads besides the route table; tests pass their own origin secrets. */
export interface ChainDependencies {
  originSecrets: () => OriginSecrets | undefined;
}
const defaults: ChainDependencies = { originSecrets: defaultOriginSecrets };

/**
 * The one place a route's middleware chain is assembled, from that route's options in the route
 * table (`routes.ts`). Order (middy runs `before` top to bottom and `after`/`onError` bottom to top):
 *   1. problemDetails — renders every thrown problem as application/problem+json (its onError runs last)
 *   2. observability — Powertools logger (correlation id), metrics (traces: Lambda's active tracing)
 *   2b. sameOrigin — only on `sameOrigin` routes (the session cookie's): refuses cross-site requests
 *   3. originVerify — 403 for any request that did not come through CloudFront, before authentication
 *   4. authenticate — verifies the bearer token per `auth` (and `maxAuthAgeSeconds`), sets context.caller
 *   5. rateLimit — keys by the verified sub (else the client IP), tier from verified groups; 429/503,
 *      RateLimit headers on every response. Before idempotency, so a replayed retry still spends quota.
 *   6. idempotency — only on `idempotent` routes: replays a retried write's stored response
 */
function routeChain(fn: RouteFn, options: RouteOptions, deps: ChainDependencies) {
  const chain = middy<ApiEvent, ApiResult, Error, ApiContext>().use(problemDetails()).use(observability());
  if (options.sameOrigin) chain.use(sameOrigin(siteOrigins()));
  chain
    .use(originVerify(deps.originSecrets))
    .use(authenticate(options.auth, options.maxAuthAgeSeconds === undefined ? {} : { maxAuthAgeSeconds: options.maxAuthAgeSeconds }))
    .use(rateLimit(options.rateLimit));
  if (!options.idempotent) return chain.handler(fn);
  // A replayed retry answers with the stored response instead of running the handler again.
  return chain.use(idempotency(defaultStore)).handler(async (event, context) => context.replay ?? fn(event, context));
}

/**
 * The Lambda handler of one API function: one chain per route of that function, chosen by the
 * event's route key (API Gateway sets it; the local adapter and the tests build it the same way).
 */
export function httpHandler(declaration: Pick<ApiFunction, 'routes'>, fn: RouteFn, deps: ChainDependencies = defaults) {
  const chains = new Map(declaration.routes.map((route) => [routeKey(route), routeChain(fn, route, deps)]));
  const unknownRoute = middy<ApiEvent, ApiResult, Error, ApiContext>()
    .use(problemDetails())
    .handler(async () => {
      throw problem(404, 'Not Found', { type: 'not-found', detail: 'No such route.' });
    });
  return (event: ApiEvent, context: ApiContext) => (chains.get(event.routeKey) ?? unknownRoute)(event, context);
}
