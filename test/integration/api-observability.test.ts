import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ logLevel: 'INFO' });
});
afterAll(() => api?.stop());

/** Runs a request and returns the structured log lines the function wrote meanwhile. */
async function logsOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
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
    expect(logs.map((l) => [l.message, l.status])).toEqual([
      ['request', 200],
      ['request failed', 401],
    ]);
    for (const line of logs) {
      expect(line.correlation_id).toEqual(expect.any(String));
      expect(line.service).toBe('rungs-api');
    }
    const all = JSON.stringify(logs);
    expect(all).not.toContain(token);
    expect(all).not.toContain(expired);
    expect(all.toLowerCase()).not.toContain('bearer');
  });
});
