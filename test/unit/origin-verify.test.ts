import { describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../bin/local/adapter';
import { httpHandler } from '../../lambdas/api/http';
import { catalogFunction, systemFunction } from '../../lambdas/api/routes';
import { json } from '../../lambdas/middleware/problem';
import { cachedOriginSecrets, defaultOriginSecrets } from '../../lambdas/middleware/origin-secrets';
import { clientIp } from '../../lambdas/middleware/client-ip';
import type { ApiContext } from '../../lambdas/middleware/request-context';

/** An origin secret whose stages the test changes, counting how often the API loads it. */
function secretStore(initial: string[]) {
  let values = initial;
  let loads = 0;
  let clock = 0;
  const secrets = cachedOriginSecrets(
    async () => {
      loads += 1;
      return values;
    },
    { ttlMs: 300_000, missRefreshMs: 15_000, now: () => clock },
  );
  return {
    secrets,
    set: (next: string[]) => (values = next),
    advance: (ms: number) => (clock += ms),
    loads: () => loads,
  };
}

/** A GET of `path` from the viewer 198.51.100.9, as API Gateway hands it over. */
const event = (headers: Record<string, string>, path = '/api/health') => apiEvent({ method: 'GET', template: path, path, headers, sourceIp: '198.51.100.9' });
const context = () => lambdaContext('system') as ApiContext;

/** The real system route chain with a handler that records that it ran and which client IP it saw. */
function route(store: ReturnType<typeof secretStore>) {
  const ran: string[] = [];
  const handler = httpHandler(
    systemFunction,
    async (e, ctx) => {
      ran.push(clientIp(e, ctx.originVerified === true));
      return json(200, { ok: true });
    },
    { originSecrets: () => store.secrets },
  );
  return { ran, call: (headers: Record<string, string>) => handler(event(headers), context()) };
}

describe('origin verification', () => {
  it('refuses a request without the origin header with 403 before authentication, rate limiting or the handler run', async () => {
    // Prepare
    const store = secretStore(['current-value']);
    const { ran, call } = route(store);

    // Act
    const result = await call({});

    // Assess: a rate-limit check would have needed the table, which this test has none of.
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body as string)).toMatchObject({ type: '/problems/origin-not-verified', status: 403 });
    expect(ran).toEqual([]);
    expect(store.loads()).toBe(0);
  });

  it('refuses a forged header with 403, reloading the secret at most once per interval', async () => {
    const store = secretStore(['current-value']);
    const { ran, call } = route(store);
    for (let i = 0; i < 5; i += 1) expect((await call({ 'x-origin-verify': `forged-${i}` })).statusCode).toBe(403);
    expect(ran).toEqual([]);
    expect(store.loads()).toBe(2); // the first load, and one reload after the first miss
  });

  it('accepts the pending value CloudFront sends mid-rotation by reloading once, then the previous one after it', async () => {
    // Prepare: the API has cached the value before the rotation.
    const store = secretStore(['old-value']);
    const { ran, call } = route(store);
    // The route's rate limit fails open without a table, so a verified request reaches the handler.
    expect((await call({ 'x-origin-verify': 'old-value' })).statusCode).toBe(200);

    // Act: the rotation wrote a pending value and CloudFront sends it; later it became current.
    store.set(['old-value', 'new-value']);
    const pending = await call({ 'x-origin-verify': 'new-value' });
    store.set(['new-value', 'old-value']);
    store.advance(300_001);
    const stillOld = await call({ 'x-origin-verify': 'old-value' });

    // Assess: neither was refused by the origin check.
    for (const result of [pending, stillOld]) expect(result.statusCode).toBe(200);
    expect(ran).toHaveLength(3);
    expect(store.loads()).toBe(3); // first load, one reload after the miss, one after the TTL
  });

  it('trusts the viewer address only on verified requests', async () => {
    const store = secretStore(['current-value']);
    const handler = httpHandler(catalogFunction, async (e, ctx) => json(200, { ip: clientIp(e, ctx.originVerified === true) }), { originSecrets: () => store.secrets });
    const verified = { 'x-origin-verify': 'current-value', 'cloudfront-viewer-address': '203.0.113.7:443' };
    const result = await handler(event(verified, '/api/catalog'), context());
    // The catalog route's rate limit fails open without a table, so the handler runs.
    expect(JSON.parse(result.body as string)).toEqual({ ip: '203.0.113.7' });
    expect(clientIp(event(verified), false)).toBe('198.51.100.9');
  });

  it('checks nothing where no secret is configured (the local platform)', () => {
    expect(defaultOriginSecrets({})).toBeUndefined();
    expect(defaultOriginSecrets({ ORIGIN_VERIFY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x' })).toBeDefined();
  });

  it('keeps the values it holds when a reload fails, and fails closed when it holds none', async () => {
    let fail = false;
    let clock = 0;
    const secrets = cachedOriginSecrets(
      async () => {
        if (fail) throw new Error('Secrets Manager is down');
        return ['v1'];
      },
      { ttlMs: 1000, now: () => clock },
    );
    expect(await secrets.accepted()).toEqual(['v1']);
    fail = true;
    clock += 5000;
    expect(await secrets.accepted()).toEqual(['v1']);
    const empty = cachedOriginSecrets(async () => {
      throw new Error('down');
    });
    await expect(empty.accepted()).rejects.toThrow('down');
  });
});
