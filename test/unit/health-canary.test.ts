import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: Server;
let status = 200;
let origin = '';

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'Rungs';
  process.env.POWERTOOLS_SERVICE_NAME = 'rungs-canary-test';
  server = createServer((req, res) => {
    res.statusCode = req.url === '/api/health' ? status : 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function runCanary(site: string) {
  process.env.SITE_URL = site;
  const { handler } = await import('../../lambdas/monitoring/health-canary');
  return handler();
}

describe('health canary', () => {
  it('passes when /api/health answers 200', async () => {
    status = 200;
    expect(await runCanary(origin)).toEqual({ passed: true, status: 200 });
  });

  it('fails on a 503 from the health check', async () => {
    status = 503;
    expect(await runCanary(origin)).toEqual({ passed: false, status: 503 });
  });

  it('fails without a status when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await runCanary(`http://127.0.0.1:${port}`)).toEqual({ passed: false });
  });
});
