import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../bin/local/dynamodb';
import { apiEvent, lambdaContext } from '../../bin/local/adapter';
import type { ApiContext } from '../../lambdas/middleware/request-context';
import { DynamoLimiter } from '../../lambdas/ratelimit/limiter';
import { createLimiterStore } from '../../lambdas/ratelimit/store';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ logLevel: 'INFO' });
});
afterAll(() => api?.stop());

/** Runs a request and returns the structured log lines the function wrote meanwhile. */
async function logsOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  // Powertools writes INFO to stdout and WARN/ERROR to stderr.
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

describe('request logging', () => {
  it('writes one structured line per request with the request id as correlation id, and never the token', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');
    const expired = api.issuer.signWithIssuerKey({ sub: 'ada', aud: api.issuer.clientId, exp: Math.floor(Date.now() / 1000) - 60 }, { typ: 'at+jwt' });

    // Act
    const logs = await logsOf(async () => {
      await api.call({ method: 'GET', path: '/api/me/progress', token });
      await api.call({ method: 'GET', path: '/api/me/progress', token: expired });
    });

    // Assess
    // (A limiter store slower than its timeout on a busy machine adds a WARN line; it is not a request line.)
    expect(logs.filter((l) => l.level === 'INFO').map((l) => [l.message, l.status])).toEqual([
      ['request', 200],
      ['request failed', 401],
    ]);
    for (const line of logs) {
      expect(line.correlation_id, JSON.stringify(line)).toEqual(expect.any(String));
      expect(line.service).toBe('rungs-api');
    }
    const all = JSON.stringify(logs);
    expect(all).not.toContain(token);
    expect(all).not.toContain(expired);
    expect(all.toLowerCase()).not.toContain('bearer');
  });
});

// Loaded after startTestApi() has set the Powertools environment (metrics off), as the handlers are.
const middlewares = async () => ({
  ...(await import('../../lambdas/middleware/observability')),
  ...(await import('../../lambdas/middleware/problem')),
  ...(await import('../../lambdas/middleware/rate-limit')),
});

/** The production chain's first middlewares around a handler, as httpHandler() orders them. */
async function chain(fn: () => Promise<APIGatewayProxyStructuredResultV2>, ...more: object[]) {
  const { problemDetails, observability } = await middlewares();
  let handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>().use(problemDetails()).use(observability());
  for (const m of more) handler = handler.use(m as never);
  const wrapped = handler.handler(fn);
  const event = apiEvent({ method: 'GET', template: '/api/test', path: '/api/test', sourceIp: '198.51.100.7', requestId: 'req-42' });
  return () => wrapped(event, lambdaContext('test') as ApiContext);
}

describe('error and failure logging', () => {
  it('logs an unhandled error with its stack and the request id as correlation id, and answers a bare 500', async () => {
    // Prepare
    const call = await chain(async () => {
      throw new Error('table on fire');
    });

    // Act
    let status: number | undefined;
    const logs = await logsOf(async () => {
      status = (await call()).statusCode;
    });

    // Assess
    expect(status).toBe(500);
    const line = logs.find((l) => l.message === 'unhandled error');
    expect(line).toMatchObject({ level: 'ERROR', correlation_id: 'req-42', path: '/api/test', error: { message: 'table on fire' } });
    expect(String((line?.error as { stack?: string }).stack)).toContain('table on fire');
  });

  it('logs a rate-limit store failure through the same logger, with the correlation id', async () => {
    // Prepare: nothing listens on the store's port
    const store = createLimiterStore({ tableName: 'nowhere', endpoint: `http://127.0.0.1:${await freePort()}` });
    const { rateLimit } = await middlewares();
    const call = await chain(async () => ({ statusCode: 200, body: 'ok' }), rateLimit({ failure: 'open' }, { limiter: () => new DynamoLimiter({ store }) }));

    // Act
    let status: number | undefined;
    const logs = await logsOf(async () => {
      status = (await call()).statusCode;
    });

    // Assess
    expect(status).toBe(200);
    expect(logs.find((l) => l.message === 'rate limiter store failed')).toMatchObject({ level: 'WARN', correlation_id: 'req-42', failure: 'open' });
  });
});
