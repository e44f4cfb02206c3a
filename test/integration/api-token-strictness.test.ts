import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';

/**
 * Tokens signed with the issuer's genuine key that are still wrong: each must be a 401 invalid_token.
 * (Found when the API was tried with such tokens: aws-jwt-verify leaves these checks to its caller.)
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

const now = () => Math.floor(Date.now() / 1000);
const route = { method: 'GET', path: '/api/me/progress' } as const;

function genuine(payload: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return api.issuer.signWithIssuerKey({ sub: 'ada', aud: api.issuer.clientId, ...payload }, { typ: 'at+jwt', ...header });
}

/** Flips the unused low bits of the last base64url character: same bytes, another spelling. */
function withDirtyLastCharacter(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const signature = token.split('.')[2]!;
  // A 256-byte RS256 signature is 342 characters: the last one carries 4 bits and 2 unused ones.
  const last = alphabet.indexOf(signature.at(-1)!);
  const dirty = alphabet[(last & ~0b11) | 0b01]!;
  return token.slice(0, -1) + dirty;
}

async function expectInvalidToken(token: string) {
  const response = await api.call({ ...route, token });
  expect(response.status).toBe(401);
  expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  expect(response.headers['content-type']).toBe('application/problem+json');
}

describe('token checks beyond signature, issuer and audience', () => {
  it('accepts the genuine token the other cases are derived from', async () => {
    const response = await api.call({ ...route, token: genuine() });
    expect(response.status).toBe(200);
  });

  it('rejects a token without exp with 401 invalid_token', async () => {
    await expectInvalidToken(genuine({ exp: undefined }));
  });

  it('rejects a token without iat with 401 invalid_token', async () => {
    await expectInvalidToken(genuine({ iat: undefined }));
  });

  it('rejects a token issued far in the future with 401 invalid_token', async () => {
    await expectInvalidToken(genuine({ iat: now() + 3600, exp: now() + 7200 }));
  });

  it('tolerates a minute of clock skew in iat', async () => {
    const response = await api.call({ ...route, token: genuine({ iat: now() + 30 }) });
    expect(response.status).toBe(200);
  });

  it('rejects an unknown critical header parameter with 401 invalid_token', async () => {
    await expectInvalidToken(genuine({}, { crit: ['exp-checked-elsewhere'], 'exp-checked-elsewhere': true }));
  });

  it('rejects base64url padding with 401 invalid_token', async () => {
    // Prepare: a payload whose encoding needs padding, so "=" can be appended to that part.
    const token = genuine({ pad: 'x' });
    const [header, payload, signature] = token.split('.');
    const padded = [header, payload + '='.repeat((4 - (payload!.length % 4)) % 4 || 1), signature].join('.');

    // Act and Assess
    await expectInvalidToken(padded);
  });

  it('rejects a last signature character with different unused bits with 401 invalid_token', async () => {
    // Prepare
    const token = genuine();
    const dirty = withDirtyLastCharacter(token);
    expect(dirty).not.toBe(token);
    expect(Buffer.from(dirty.split('.')[2]!, 'base64url').equals(Buffer.from(token.split('.')[2]!, 'base64url'))).toBe(true);

    // Act and Assess
    await expectInvalidToken(dirty);
  });
});
