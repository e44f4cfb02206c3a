import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { apiEvent, buildEvent } from '../../bin/local/adapter';
import { apiFunctions, matchRoute } from '../../lambdas/api/routes';

function request(method: string, url: string, headers: Record<string, string>) {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = headers;
  req.httpVersion = '1.1';
  return req;
}

describe('route table', () => {
  it('matches path parameters and decodes them', () => {
    expect(matchRoute('/api/lessons/{id}/attempts', '/api/lessons/jwt%20basics/attempts')).toEqual({ id: 'jwt basics' });
    expect(matchRoute('/api/lessons/{id}/attempts', '/api/lessons/a/b/attempts')).toBeUndefined();
    expect(matchRoute('/api/health', '/api/healthz')).toBeUndefined();
  });

  it('declares every route under /api with a handler module', () => {
    for (const fn of Object.values(apiFunctions)) {
      expect(fn.entry).toMatch(/^lambdas\/api\/[a-z-]+\.ts$/);
      for (const route of fn.routes) expect(route.path).toMatch(/^\/api\//);
    }
  });
});

describe('local API Gateway adapter', () => {
  it('builds a payload 2.0 event the way API Gateway does', () => {
    // Prepare
    const req = request('POST', '/api/lessons/x/attempts?a=1&a=2&b=3', { 'content-type': 'application/json', cookie: 'c1=1; c2=2', host: 'localhost:3000' });

    // Act
    const event = buildEvent(req, Buffer.from('{"x":1}'), { method: 'POST', template: '/api/lessons/{id}/attempts', params: { id: 'x' } });

    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /api/lessons/{id}/attempts',
      rawPath: '/api/lessons/x/attempts',
      rawQueryString: 'a=1&a=2&b=3',
      queryStringParameters: { a: '1,2', b: '3' },
      pathParameters: { id: 'x' },
      cookies: ['c1=1', 'c2=2'],
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/api/lessons/x/attempts' }, stage: '$default' },
    });
    expect(event.headers.cookie).toBeUndefined();
  });

  it('base64-encodes binary bodies', () => {
    const req = request('PUT', '/api/x', { 'content-type': 'application/octet-stream' });
    const event = buildEvent(req, Buffer.from([0xff, 0x00]), { method: 'PUT', template: '/api/x', params: {} });
    expect(event).toMatchObject({ isBase64Encoded: true, body: '/wA=' });
  });

  it('keeps a given request id (the correlation id) and gives every other event a fresh one', () => {
    // Prepare
    const request = { method: 'GET', template: '/api/health', path: '/api/health' };

    // Act
    const named = apiEvent({ ...request, requestId: 'req-42' });
    const [first, second] = [apiEvent(request), apiEvent(request)];

    // Assess
    expect(named.requestContext.requestId).toBe('req-42');
    expect(first.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
  });
});
