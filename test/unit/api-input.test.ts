import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiEvent } from '../../bin/local/adapter';
import { progressUpdateSchema } from '../../lambdas/domain/progress';
import { parseBody, pathParam, queryParams } from '../../lambdas/api/input';
import { attemptBodySchema, cardIdSchema, reviewsQuerySchema, slugSchema } from '../../lambdas/api/schemas';
import { problem, problemDetails } from '../../lambdas/middleware/problem';

/** Runs `parse` on an event inside the problem renderer, as a handler would, and returns what the caller sees. */
async function answer(event: Partial<APIGatewayProxyEventV2>, parse: (event: APIGatewayProxyEventV2) => unknown) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(problemDetails())
    .handler(async (e) => ({ statusCode: 200, body: JSON.stringify(parse(e)) }));
  const response = (await handler({ ...apiEvent({ method: 'POST', template: '/api/test', path: '/api/test' }), ...event }, {} as never)) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(response.body ?? 'null'), headers: response.headers ?? {} };
}

const bodyEvent = (body: unknown) => ({ body: JSON.stringify(body) });
const attempt = (body: unknown) => answer(bodyEvent(body), (e) => parseBody(e, attemptBodySchema));

describe('request bodies', () => {
  it('answers a body that is not JSON with 400 invalid-body', async () => {
    // Act
    const result = await answer({ body: '{"itemId":' }, (e) => parseBody(e, attemptBodySchema));

    // Assess
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ type: '/problems/invalid-body', detail: 'The body must be JSON.' });
  });

  it.each([
    ['a missing field', {}, 'itemId: Invalid input: expected string, received undefined; answer: Invalid input'],
    ['an id that is not a slug', { itemId: 'Bad Slug', answer: { choices: ['a'] } }, 'itemId: Invalid string: must match pattern /^[a-z0-9]+(?:-[a-z0-9]+)*$/'],
    ['an id that is too long', { itemId: 'a'.repeat(101), answer: { choices: ['a'] } }, 'itemId: Too big: expected string to have <=100 characters'],
    ['an answer without choices', { itemId: 'x', answer: { choices: [] } }, 'answer.choices: Too small: expected array to have >=1 items'],
    ['an unknown key', { itemId: 'x', answer: { choices: ['a'] }, extra: 1 }, '(body): Unrecognized key: "extra"'],
    ['an array instead of an object', [1], '(body): Invalid input: expected object, received array'],
  ])('names the field and the rule for %s', async (_, body, detail) => {
    // Act
    const result = await attempt(body);

    // Assess
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ type: '/problems/invalid-body', detail });
  });

  it('lists every problem of a progress update, up to five', async () => {
    // Act
    const first = await answer(bodyEvent({ status: 'done', version: -1 }), (e) => parseBody(e, progressUpdateSchema));
    const second = await answer(bodyEvent({ status: 'completed', version: 1.5, position: '' }), (e) => parseBody(e, progressUpdateSchema));

    // Assess
    expect(first.body.detail).toBe('status: Invalid option: expected one of "started"|"completed"; version: Too small: expected number to be >=0');
    expect(second.body.detail).toBe('position: Too small: expected string to have >=1 characters; version: Invalid input: expected int, received number');
  });

  it('reads a base64-encoded body', async () => {
    // Prepare
    const body = Buffer.from(JSON.stringify({ itemId: 'x', answer: { prompt: 'p', rating: 'good' } })).toString('base64');

    // Act
    const result = await answer({ body, isBase64Encoded: true }, (e) => parseBody(e, attemptBodySchema));

    // Assess
    expect(result).toMatchObject({ status: 200, body: { itemId: 'x', answer: { prompt: 'p', rating: 'good' } } });
  });
});

describe('path parameters', () => {
  it('answers a path that cannot name anything with 404, not 400', async () => {
    // Act
    const result = await answer({ pathParameters: { id: 'Not A Slug' } }, (e) => pathParam(e, 'id', slugSchema));

    // Assess
    expect(result.status).toBe(404);
    expect(result.body).toMatchObject({ type: '/problems/not-found', detail: 'No such resource.' });
  });

  it('splits a card id into lesson and item, and answers a card id without both with 404', async () => {
    // Act
    const good = await answer({ pathParameters: { itemId: 'tokens.q1' } }, (e) => pathParam(e, 'itemId', cardIdSchema));
    const bad = await answer({ pathParameters: { itemId: 'tokens' } }, (e) => pathParam(e, 'itemId', cardIdSchema));

    // Assess
    expect(good.body).toEqual(['tokens', 'q1']);
    expect(bad.status).toBe(404);
  });
});

describe('query strings', () => {
  const reviews = (query: Record<string, string> | undefined) => answer({ queryStringParameters: query }, (e) => queryParams(e, reviewsQuerySchema));

  it('fills in defaults and converts numbers', async () => {
    // Act
    const none = await reviews(undefined);
    const some = await reviews({ due: '2026-01-01T00:00:00Z', limit: '7' });

    // Assess
    expect(none.body).toEqual({ due: 'now', limit: 50 });
    expect(some.body).toEqual({ due: '2026-01-01T00:00:00Z', limit: 7 });
  });

  it.each([
    [{ due: 'tomorrow', limit: '0' }, 'due: Invalid ISO datetime; limit: Too small: expected number to be >=1'],
    [{ limit: 'many' }, 'limit: Invalid input: expected number, received NaN'],
    [{ limit: '500' }, 'limit: Too big: expected number to be <=100'],
    [{ limit: '2.5' }, 'limit: Invalid input: expected int, received number'],
    [{ x: '1' }, '(query): Unrecognized key: "x"'],
  ])('answers %j with 400 invalid-query naming the parameter', async (query, detail) => {
    // Act
    const result = await reviews(query);

    // Assess
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ type: '/problems/invalid-query', detail });
  });
});

describe('rendered problems', () => {
  it('renders a thrown problem with its status, type, detail and headers', async () => {
    // Act
    const result = await answer({}, () => {
      throw problem(409, 'Conflict', { type: 'version-conflict', detail: 'Reload and try again.', headers: { 'Retry-After': '1' } });
    });

    // Assess
    expect(result.status).toBe(409);
    expect(result.body).toEqual({ type: '/problems/version-conflict', title: 'Conflict', status: 409, detail: 'Reload and try again.', instance: '/api/test' });
    expect(result.headers).toMatchObject({ 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', 'Retry-After': '1' });
  });

  it('answers a server-side problem without a type as a bare 500, its title and detail unsaid', async () => {
    // Act
    const result = await answer({}, () => {
      throw problem(502, 'Bad Gateway', { detail: 'upstream 10.0.0.7 refused' });
    });

    // Assess
    expect(result.status).toBe(500);
    expect(result.body).toEqual({ type: '/problems/internal', title: 'Internal Server Error', status: 500, instance: '/api/test' });
  });

  it('answers an error that only looks like a problem (statusCode, expose, a message) with a bare 500', async () => {
    // Prepare: e.g. a library's own HTTP error carrying internals in its message
    const lookalike = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:8443'), { statusCode: 418, expose: true });

    // Act
    const result = await answer({}, () => {
      throw lookalike;
    });

    // Assess
    expect(result.status).toBe(500);
    expect(result.body).toEqual({ type: '/problems/internal', title: 'Internal Server Error', status: 500, instance: '/api/test' });
  });
});
