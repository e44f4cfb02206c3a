import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { claim } from '../../lambdas/store/idempotency';
import * as keys from '../../lambdas/store/keys';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

const LESSON = 'authorization-code-pkce';
const mcq = (choices: string[]) => ({ itemId: 'pkce-protects', answer: { choices } });

async function userItems(sub: string) {
  const result = await api.store.doc.send(
    new QueryCommand({ TableName: api.store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.user(sub).pk } }),
  );
  return result.Items ?? [];
}

describe('Idempotency-Key scope', () => {
  it('replays a retry sent to a percent-encoded spelling of the same route instead of running it again', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');
    const headers = { 'idempotency-key': 'same-lesson-two-spellings' };
    const first = await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: mcq(['phishing']), headers });

    // Act
    const retry = await api.call({ method: 'POST', path: '/api/lessons/authorization%2Dcode-pkce/attempts', token, body: mcq(['phishing']), headers });

    // Assess
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await userItems('ada')).filter((i) => i.type === 'attempt')).toHaveLength(1);
  });

  it('keeps the same key apart on two different resources of one route', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('grace');
    const headers = { 'idempotency-key': 'one-key-two-items' };
    await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: mcq(['phishing']), headers });

    // Act: same key, same body, another lesson
    const other = await api.call({ method: 'POST', path: '/api/lessons/no-such-lesson/attempts', token, body: mcq(['phishing']), headers });

    // Assess: it ran (and found no such lesson) rather than replaying the first lesson's answer
    expect(other.status).toBe(404);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stores records that expire through the table TTL, a day after the request', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('grace');
    const before = Math.floor(Date.now() / 1000);

    // Act
    await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: mcq(['phishing']), headers: { 'idempotency-key': 'ttl-1' } });

    // Assess
    const record = (await userItems('grace')).find((i) => i.type === 'idempotency' && String(i.sk).endsWith('#ttl-1'));
    expect(record?.sk).toBe(`IDEMPOTENCY#POST /api/lessons/{id}/attempts id=${LESSON}#ttl-1`);
    expect(record?.ttl).toBeGreaterThanOrEqual(before + 86_400);
    expect(record?.ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 86_400);
  });

  it('refuses a malformed key with 400 and runs nothing', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('alan');

    // Act
    const responses = await Promise.all(
      ['', 'has space', 'x'.repeat(129), 'ünïcode'].map((key) =>
        api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: mcq(['phishing']), headers: { 'idempotency-key': key } }),
      ),
    );
    const longest = await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: mcq(['phishing']), headers: { 'idempotency-key': '~'.repeat(128) } });

    // Assess
    expect(responses.map((r) => [r.status, r.body.type])).toEqual(Array(4).fill([400, '/problems/invalid-idempotency-key']));
    expect(longest.status).toBe(201);
    expect((await userItems('alan')).filter((i) => i.type === 'attempt')).toHaveLength(1);
  });

  it('answers a retry while the first request still runs with 409, its problem type and Retry-After: 1', async () => {
    // Prepare: the first request holds the key (claimed, not completed), as while it is running
    const token = await api.issuer.mintAccessToken('grace');
    const body = JSON.stringify(mcq(['phishing']));
    const route = `POST /api/lessons/{id}/attempts id=${LESSON}`;
    const fingerprint = createHash('sha256').update(route).update('\n').update(body).digest('base64url');
    await claim(api.store, { sub: 'grace', route, key: 'still-running' }, fingerprint, Date.now(), { lockMs: 30_000, ttlSeconds: 60 });

    // Act
    const retry = await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, rawBody: body, headers: { 'idempotency-key': 'still-running' } });

    // Assess
    expect(retry.status).toBe(409);
    expect(retry.body.type).toBe('/problems/idempotency-in-progress');
    expect(retry.headers['retry-after']).toBe('1');
  });
});
