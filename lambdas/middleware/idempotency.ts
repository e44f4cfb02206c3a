import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { Store } from '../store/client';
import { claim, complete, release, type IdempotencyScope } from '../store/idempotency';
import { logger } from './observability';
import { problem } from './problem';
import type { ApiContext } from './request-context';

/**
 * `Idempotency-Key` for writes a client may retry (IETF httpapi idempotency-key draft): the first
 * request with a key runs, and every retry with the same key and body gets the stored response
 * (marked `Idempotent-Replayed: true`) without a second effect. A retry while the first is still
 * running gets 409; the same key with a different body gets 422. Only successful responses are
 * kept; a failed request releases the key so that a retry runs again.
 *
 * Records are scoped to the signed-in caller and the route, so keys never collide across users. The
 * route is canonical: the route key (`POST /api/lessons/{id}/attempts`) and the decoded path
 * parameters, never the raw path, so `/api/lessons/a%2Db/attempts` and `/api/lessons/a-b/attempts`
 * are one scope (they are one resource).
 * Anonymous requests store nothing, so there is nothing to deduplicate and the key is ignored.
 *
 * Order: after authentication (needs `context.caller`) and rate limiting (a limited request must not
 * claim a key), last before the handler.
 */

const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
const LOCK_MS = 30_000;
const TTL_SECONDS = 24 * 3600;

/** The canonical scope of a request: its route key and decoded path parameters, sorted by name. */
export function idempotencyRoute(event: Pick<APIGatewayProxyEventV2, 'routeKey' | 'pathParameters'>): string {
  const params = Object.entries(event.pathParameters ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${encodeURIComponent(value ?? '')}`);
  return [event.routeKey, ...params].join(' ');
}

type Middleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>;

/** The claim this request holds, between `before` and `after`/`onError`, in middy's per-request `request.internal`. */
const SCOPE = 'idempotencyScope';
type Internal = Record<string, unknown>;
const heldScope = (internal: object) => (internal as Internal)[SCOPE] as IdempotencyScope | undefined;

export function idempotency(store: () => Store): Middleware {
  return {
    before: async (request) => {
      const key = request.event.headers?.['idempotency-key'];
      const caller = request.context.caller;
      if (key === undefined || !caller) return;
      if (!KEY_PATTERN.test(key)) {
        throw problem(400, 'Bad Request', { type: 'invalid-idempotency-key', detail: 'Idempotency-Key must be 1–128 visible ASCII characters.' });
      }
      const { event } = request;
      const scope = { sub: caller.sub, route: idempotencyRoute(event), key };
      const fingerprint = createHash('sha256').update(scope.route).update('\n').update(event.body ?? '').digest('base64url');
      const result = await claim(store(), scope, fingerprint, Date.now(), { lockMs: LOCK_MS, ttlSeconds: TTL_SECONDS });
      if (result.outcome === 'claimed') {
        (request.internal as Internal)[SCOPE] = scope;
        return;
      }
      if (result.outcome === 'completed') {
        // Handed to the handler on the context (like `caller`): `httpHandler` answers with it instead of
        // running the route, so every `after` middleware (rate-limit headers, tracing, metrics) still
        // runs, which an early response from `before` would skip.
        request.context.replay = { ...result.response, headers: { ...result.response.headers, 'Idempotent-Replayed': 'true' } };
        return;
      }
      if (result.outcome === 'mismatch') {
        throw problem(422, 'Unprocessable Content', { type: 'idempotency-key-reused', detail: 'This Idempotency-Key was used for a different request.' });
      }
      throw problem(409, 'Conflict', {
        type: 'idempotency-in-progress',
        detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
        headers: { 'Retry-After': '1' },
      });
    },
    after: async (request) => {
      const scope = heldScope(request.internal);
      const response = request.response;
      if (!scope || !response) return;
      // From here on the handler's effect has happened: an error while storing the response must not
      // release the key (a retry would run the handler a second time), so onError no longer sees it.
      delete (request.internal as Internal)[SCOPE];
      if ((response.statusCode ?? 200) >= 300) {
        await release(store(), scope);
        return;
      }
      const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, value]) => [name, String(value)]));
      try {
        await complete(store(), scope, { statusCode: response.statusCode ?? 200, headers, body: response.body ?? '' });
      } catch (error) {
        // The learner still gets the real response; a retry meets the in-progress record (409) until
        // its lock expires, which is safer than a second effect.
        logger.error('idempotency record not completed', { error: error instanceof Error ? error.message : String(error) });
      }
    },
    onError: async (request) => {
      const scope = heldScope(request.internal);
      if (scope) await release(store(), scope);
    },
  };
}
