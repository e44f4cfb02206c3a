import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../lambdas/store/keys';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

async function partition(pk: string) {
  const result = await api.store.doc.send(new QueryCommand({ TableName: api.store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }));
  return result.Items ?? [];
}
const rateItems = (sub: string) => partition(keys.rateLimitPartition(keys.rateLimitSubject.user(sub)).pk);

describe('DELETE /api/me', () => {
  it("removes the learner's rate-limit state, which holds their sub, and leaves other learners' alone", async () => {
    // Prepare: both learners have spent quota, so both have a RATE#user:<sub> item
    // Deletion needs a recent sign-in (step-up): grace's token says she signed in just now.
    const grace = api.issuer.signWithIssuerKey({ sub: 'grace', aud: api.issuer.clientId, auth_time: Math.floor(Date.now() / 1000) }, { typ: 'at+jwt' });
    const ada = await api.issuer.mintAccessToken('ada');
    await api.call({ method: 'GET', path: '/api/me/progress', token: grace });
    await api.call({ method: 'GET', path: '/api/me/progress', token: ada });
    expect(await rateItems('grace')).toHaveLength(1);

    // Act
    const deleted = await api.call({ method: 'DELETE', path: '/api/me', token: grace });

    // Assess
    expect(deleted.status).toBe(204);
    // What stays is only the marker that refuses grace's remaining tokens, expiring within the hour
    // they can live: no quota state, no decision ids.
    const now = Math.floor(Date.now() / 1000);
    expect(await rateItems('grace')).toEqual([{ pk: 'RATE#user:grace', sk: 'SET#default', revokedBefore: expect.any(Number), ttl: expect.any(Number) }]);
    expect((await rateItems('grace'))[0]!.ttl).toBeLessThanOrEqual(now + 3661 + 1);
    expect((await api.call({ method: 'GET', path: '/api/me/progress', token: grace })).status).toBe(401);
    expect(await partition(keys.user('grace').pk)).toEqual([]);
    expect(await rateItems('ada')).toHaveLength(1);
  });
});
