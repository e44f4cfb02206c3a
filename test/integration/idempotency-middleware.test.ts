import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiEvent } from '../../bin/local/adapter';
import { idempotency, idempotencyRoute } from '../../lambdas/middleware/idempotency';
import type { ApiContext } from '../../lambdas/middleware/request-context';
import type { Store } from '../../lambdas/store/client';
import * as keys from '../../lambdas/store/keys';
import { freshStore } from '../support/store';

/**
 * The idempotency middleware on its own, against DynamoDB Local: which requests it keys, the scope
 * and lifetime of a record, what a retry gets back, and the exact problem of each refusal.
 */
let store: Store;
beforeAll(async () => {
  store = await freshStore();
});

const TEMPLATE = '/api/lessons/{lessonId}/attempts';
const ROUTE = `POST ${TEMPLATE}`;

/** An attempt at a lesson (l1 unless named), as API Gateway hands it to the middleware. */
function attemptEvent(options: { lessonId?: string; headers?: Record<string, string>; body?: string }) {
  const lessonId = options.lessonId ?? 'l1';
  return apiEvent({ method: 'POST', template: TEMPLATE, path: `/api/lessons/${lessonId}/attempts`, params: { lessonId }, headers: options.headers, body: options.body });
}

const caller = (sub: string) => ({ sub, groups: [], scopes: [], issuedAt: 0 });

interface Outcome {
  replay?: APIGatewayProxyStructuredResultV2;
  error?: { statusCode: number; problem: { type?: string; detail?: string }; headers: Record<string, string> };
  internal: Record<string, unknown>;
}

/** One request through `before`, then (unless it was refused or replayed) the handler's answer through `after`. */
async function send(options: { key?: string; sub?: string; body?: string; lessonId?: string; answer?: APIGatewayProxyStructuredResultV2 | Error; headers?: Record<string, string> }): Promise<Outcome> {
  const middleware = idempotency(() => store);
  const event = attemptEvent({
    lessonId: options.lessonId,
    headers: { ...(options.key !== undefined ? { 'idempotency-key': options.key } : {}), ...options.headers },
    body: options.body ?? '{"answer":1}',
  });
  const request = { event, context: { ...(options.sub !== null ? { caller: caller(options.sub ?? 'ada') } : {}) } as ApiContext, internal: {} as Record<string, unknown>, response: undefined as APIGatewayProxyStructuredResultV2 | undefined, error: undefined as Error | undefined };
  try {
    await middleware.before!(request as never);
  } catch (error) {
    return { error: error as Outcome['error'], internal: request.internal };
  }
  if (request.context.replay) return { replay: request.context.replay, internal: request.internal };
  const answer = options.answer ?? { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  if (answer instanceof Error) {
    request.error = answer;
    await middleware.onError!(request as never);
  } else {
    request.response = answer;
    await middleware.after!(request as never);
  }
  return { internal: request.internal };
}

const record = async (sub: string, key: string, lessonId = 'l1') =>
  (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.idempotency(sub, idempotencyRoute({ routeKey: ROUTE, pathParameters: { lessonId } }), key), ConsistentRead: true }))).Item;

describe('idempotency middleware', () => {
  it('replays a completed response with its status, headers and body, marked as replayed', async () => {
    // Act
    await send({ key: 'replay-1', answer: { statusCode: 201, headers: { 'x-count': 3 as unknown as string }, body: 'first' } });
    const retry = await send({ key: 'replay-1' });

    // Assess
    expect(retry.replay).toEqual({ statusCode: 201, headers: { 'x-count': '3', 'Idempotent-Replayed': 'true' }, body: 'first' });
  });

  it('stores a response without status, headers or body as 200, none and empty', async () => {
    await send({ key: 'bare-1', answer: {} });
    expect((await send({ key: 'bare-1' })).replay).toEqual({ statusCode: 200, headers: { 'Idempotent-Replayed': 'true' }, body: '' });
  });

  it('keeps a record for 24 hours and locks a running request for 30 seconds', async () => {
    // Prepare
    const before = Date.now();

    // Act
    await send({ key: 'ttl-1' });
    const item = await record('ada', 'ttl-1');

    // Assess
    expect(item?.ttl).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 24 * 3600);
    expect(item?.ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 24 * 3600);
    expect(item?.lockedUntil).toBeGreaterThanOrEqual(before + 30_000);
    expect(item?.lockedUntil).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it('answers a retry while the first request runs with 409 and Retry-After: 1', async () => {
    // Prepare: a claim held (before ran, the handler has not answered)
    const middleware = idempotency(() => store);
    const first = { event: attemptEvent({ headers: { 'idempotency-key': 'busy-1' }, body: 'b' }), context: { caller: caller('ada') }, internal: {} };
    await middleware.before!(first as never);

    // Act
    const retry = await send({ key: 'busy-1', body: 'b' });

    // Assess
    expect(retry.error).toMatchObject({
      statusCode: 409,
      message: 'Conflict',
      problem: { type: 'idempotency-in-progress', detail: 'A request with this Idempotency-Key is still being processed; retry shortly.' },
      headers: { 'Retry-After': '1' },
    });
  });

  it('refuses the same key with a different body with 422', async () => {
    await send({ key: 'body-1', body: 'one' });
    expect((await send({ key: 'body-1', body: 'two' })).error).toMatchObject({
      statusCode: 422,
      message: 'Unprocessable Content',
      problem: { type: 'idempotency-key-reused', detail: 'This Idempotency-Key was used for a different request.' },
    });
  });

  it('scopes a key to the caller and to the resource: other learners and other lessons run anew', async () => {
    // Prepare
    await send({ key: 'scope-1' });

    // Act
    const otherLearner = await send({ key: 'scope-1', sub: 'bob' });
    const otherLesson = await send({ key: 'scope-1', lessonId: 'l2' });

    // Assess
    expect(otherLearner.replay).toBeUndefined();
    expect(otherLesson.replay).toBeUndefined();
    expect(await record('bob', 'scope-1')).toMatchObject({ status: 'completed' });
    expect(await record('ada', 'scope-1', 'l2')).toMatchObject({ status: 'completed' });
  });

  it('ignores the key of an anonymous request and stores nothing', async () => {
    const anonymous = await send({ key: 'anon-1', sub: null as unknown as string });
    expect(anonymous.error).toBeUndefined();
    expect(await record('ada', 'anon-1')).toBeUndefined();
  });

  it('runs a request without a key, or without any headers, and stores nothing', async () => {
    // Prepare
    const middleware = idempotency(() => store);
    // API Gateway always sends headers; the middleware must still cope with an event that has none.
    const headerless = { event: { ...attemptEvent({ body: 'b' }), headers: undefined }, context: { caller: caller('ada') }, internal: {} };

    // Act
    const outcome = await send({ headers: { 'Idempotency-Key-Other': 'x' } });
    await middleware.before!(headerless as never);

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(await record('ada', 'undefined')).toBeUndefined();
    expect(headerless.internal).toEqual({});
  });

  it('still answers when storing the response fails, and keeps the key locked rather than run twice', async () => {
    // Prepare: the store refuses the write that completes the record, as a throttled table would
    const failing: Store = {
      ...store,
      doc: { send: (command: { constructor: { name: string } }) => (command.constructor.name === 'UpdateCommand' ? Promise.reject(new Error('throttled')) : store.doc.send(command as never)) } as never,
    };
    const middleware = idempotency(() => failing);
    const request = { event: attemptEvent({ headers: { 'idempotency-key': 'store-fails-1' }, body: 'b' }), context: { caller: caller('ada') }, internal: {}, response: { statusCode: 201, body: 'x' } };

    // Act
    await middleware.before!(request as never);
    await expect(middleware.after!(request as never)).resolves.toBeUndefined();
    const retry = await send({ key: 'store-fails-1', body: 'b' });

    // Assess
    expect(await record('ada', 'store-fails-1')).toMatchObject({ status: 'in-progress' });
    expect(retry.error?.statusCode).toBe(409);
  });

  it('leaves a claim alone in after when there is no response yet', async () => {
    // Prepare
    const middleware = idempotency(() => store);
    const request = { event: attemptEvent({ headers: { 'idempotency-key': 'no-response-1' }, body: 'b' }), context: { caller: caller('ada') }, internal: {} as Record<string, unknown>, response: undefined };
    await middleware.before!(request as never);

    // Act
    await middleware.after!(request as never);

    // Assess
    expect(Object.keys(request.internal)).toHaveLength(1);
    expect(await record('ada', 'no-response-1')).toMatchObject({ status: 'in-progress' });
  });

  it.each(['', 'with space', 'ümlaut', 'x'.repeat(129), 'tab\there'])('refuses the key %j with 400', async (key) => {
    expect((await send({ key })).error).toMatchObject({ statusCode: 400, message: 'Bad Request', problem: { type: 'invalid-idempotency-key', detail: 'Idempotency-Key must be 1–128 visible ASCII characters.' } });
  });

  it.each(['!', '~', 'a'.repeat(128), 'key-with_punctuation.~!'])('accepts the key %j', async (key) => {
    expect((await send({ key })).error).toBeUndefined();
  });

  it('releases the key after a failed response (3xx and up) or an error, so a retry runs again', async () => {
    // Act
    await send({ key: 'fail-1', answer: { statusCode: 500, body: 'oops' } });
    await send({ key: 'fail-2', answer: { statusCode: 300, body: 'moved' } });
    await send({ key: 'fail-3', answer: new Error('handler crashed') });
    await send({ key: 'ok-299', answer: { statusCode: 299, body: 'fine' } });

    // Assess
    expect(await record('ada', 'fail-1')).toBeUndefined();
    expect(await record('ada', 'fail-2')).toBeUndefined();
    expect(await record('ada', 'fail-3')).toBeUndefined();
    expect(await record('ada', 'ok-299')).toMatchObject({ status: 'completed', response: { statusCode: 299 } });
    expect((await send({ key: 'fail-1' })).replay).toBeUndefined();
  });

  it('hands the claim from before to after in the request, and forgets it once the response is stored', async () => {
    // Prepare
    const middleware = idempotency(() => store);
    const request = { event: attemptEvent({ headers: { 'idempotency-key': 'internal-1' }, body: 'b' }), context: { caller: caller('ada') }, internal: {} as Record<string, unknown>, response: { statusCode: 201, body: 'x' } };

    // Act
    await middleware.before!(request as never);
    const held = { ...request.internal };
    await middleware.after!(request as never);
    await middleware.onError!(request as never);

    // Assess: onError after a stored response releases nothing
    expect(Object.values(held)).toEqual([{ sub: 'ada', route: 'POST /api/lessons/{lessonId}/attempts lessonId=l1', key: 'internal-1' }]);
    expect(request.internal).toEqual({});
    expect(await record('ada', 'internal-1')).toMatchObject({ status: 'completed' });
  });

  it('does nothing in after or onError for a request that holds no claim', async () => {
    const middleware = idempotency(() => {
      throw new Error('no store needed');
    });
    const request = { event: {}, context: {}, internal: {}, response: { statusCode: 201 } };
    await expect(middleware.after!(request as never)).resolves.toBeUndefined();
    await expect(middleware.onError!(request as never)).resolves.toBeUndefined();
  });
});

describe('the canonical route of a request', () => {
  it('sorts path parameters by name and encodes their values, so one resource is one scope', () => {
    expect(idempotencyRoute({ routeKey: 'PUT /a/{z}/{a}/{m}', pathParameters: { z: '1', a: 'x y', m: 'é' } })).toBe('PUT /a/{z}/{a}/{m} a=x%20y m=%C3%A9 z=1');
    expect(idempotencyRoute({ routeKey: 'PUT /b/{b}/{a}', pathParameters: { b: '2', a: '1' } })).toBe(idempotencyRoute({ routeKey: 'PUT /b/{b}/{a}', pathParameters: { a: '1', b: '2' } }));
    expect(idempotencyRoute({ routeKey: 'POST /x', pathParameters: { id: undefined as unknown as string } })).toBe('POST /x id=');
    expect(idempotencyRoute({ routeKey: 'POST /x' })).toBe('POST /x');
  });
});
