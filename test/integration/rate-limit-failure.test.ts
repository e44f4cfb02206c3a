import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb';
import { compilePolicySets } from '../../lambdas/ratelimit/config';
import { DynamoLimiter, FallbackLimiter } from '../../lambdas/ratelimit/limiter';
import { createLimiterStore } from '../../lambdas/ratelimit/store';
import { limitedHandler, recordingMetrics } from './rate-limit-support';

const limits = [{ name: 'burst', limit: 2, periodSeconds: 60 }];
const policySets = compilePolicySets({ default: { anonymous: limits, learner: limits, author: limits } });

/** A TCP server that accepts connections and never answers: a DynamoDB that hangs. */
let silent: Server;
const sockets: Socket[] = [];
let silentEndpoint: string;
let closedEndpoint: string;

beforeAll(async () => {
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  silentEndpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // Nothing listens on a port the OS just handed out and took back: connections are refused.
  closedEndpoint = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

/** The limiter exactly as production builds it (150 ms timeout, two attempts), pointed at a broken endpoint; counts the commands it sends. */
function brokenLimiter(endpoint: string) {
  const store = createLimiterStore({ tableName: 'rate-limit-table', endpoint });
  const counter = { commands: 0 };
  store.client.middlewareStack.add((next) => async (args) => {
    counter.commands++;
    return next(args);
  }, { step: 'initialize' });
  return Object.assign(new DynamoLimiter({ store }), { counter });
}

describe.each([
  ['unreachable (connection refused)', () => closedEndpoint],
  ['slow (never answers)', () => silentEndpoint],
])('when the limiter store is %s', (_name, endpoint) => {
  it('answers a fail-open route from the in-process bucket, which still limits, without waiting on the store again during its cooldown', async () => {
    // Prepare
    const metrics = recordingMetrics();
    const limiter = brokenLimiter(endpoint());
    const call = limitedHandler({ failure: 'open' }, { limiter: () => limiter, fallback: new FallbackLimiter(), policySets, metrics });

    // Act
    const responses = [await call(), await call(), await call()];

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(responses[0]!.headers).toMatchObject({ 'RateLimit-Policy': '"burst";q=2;w=60', RateLimit: '"burst";r=1;t=30' });
    expect(responses[2]!.headers?.['Retry-After']).toBe('30');
    expect(metrics.outcomes).toEqual(['store-error-open', 'store-error-open', 'store-error-open']);
    expect(limiter.counter.commands).toBe(1);
  });

  it('answers a fail-closed route with 503, Retry-After and problem+json', async () => {
    // Prepare
    const metrics = recordingMetrics();
    const limiter = brokenLimiter(endpoint());
    let handlerRan = false;
    const call = limitedHandler({ failure: 'closed' }, { limiter: () => limiter, policySets, metrics }, async () => {
      handlerRan = true;
      return { statusCode: 200, body: 'ok' };
    });

    // Act
    const response = await call();

    // Assess
    expect(handlerRan).toBe(false);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json', 'Retry-After': '2', 'RateLimit-Policy': '"burst";q=2;w=60', RateLimit: '"burst";r=0;t=2' });
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ type: '/problems/rate-limiter-unavailable', status: 503 });
    expect(metrics.outcomes).toEqual(['store-error-closed']);
  });

  it('refuses a signed-in caller with 503 even on a fail-open route: the fallback cannot see "sign out everywhere"', async () => {
    // Prepare
    const metrics = recordingMetrics();
    const limiter = brokenLimiter(endpoint());
    let handlerRan = false;
    const call = limitedHandler({ failure: 'open' }, { limiter: () => limiter, fallback: new FallbackLimiter(), policySets, metrics }, async () => {
      handlerRan = true;
      return { statusCode: 200, body: 'ok' };
    });

    // Act
    const signedIn = await call({ caller: { sub: 'ada', groups: [], scopes: [], issuedAt: Math.floor(Date.now() / 1000) } });
    const anonymous = await call();

    // Assess
    expect(signedIn.statusCode).toBe(503);
    expect(signedIn.headers?.['Retry-After']).toBe('2');
    expect(anonymous.statusCode).toBe(200);
    expect(handlerRan).toBe(true);
    expect(metrics.outcomes).toEqual(['store-error-closed', 'store-error-open']);
  });

  it('keeps the RateLimit headers on an unexpected handler error, which is answered as a bare 500', async () => {
    // Prepare: a fail-open route (the fallback bucket decides), a handler that crashes
    const metrics = recordingMetrics();
    const limiter = brokenLimiter(endpoint());
    const call = limitedHandler({ failure: 'open' }, { limiter: () => limiter, policySets, metrics }, async () => {
      throw new Error('bug');
    });

    // Act
    const response = await call();

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.headers?.['RateLimit-Policy']).toBe('"burst";q=2;w=60');
  });
});
