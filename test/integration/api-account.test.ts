import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/store/keys';
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
    const [grace, ada] = await Promise.all([api.issuer.mintAccessToken('grace'), api.issuer.mintAccessToken('ada')]);
    await api.call({ method: 'GET', path: '/api/me/progress', token: grace });
    await api.call({ method: 'GET', path: '/api/me/progress', token: ada });
    expect(await rateItems('grace')).toHaveLength(1);

    // Act
    const deleted = await api.call({ method: 'DELETE', path: '/api/me', token: grace });

    // Assess
    expect(deleted.status).toBe(204);
    expect(await rateItems('grace')).toEqual([]);
    expect(await partition(keys.user('grace').pk)).toEqual([]);
    expect(await rateItems('ada')).toHaveLength(1);
  });
});
