import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from './batch';
import type { Store } from './client';
import { keys } from './keys';

/**
 * Everything personal sits in the learner's partition (USER#<sub>): attempts, progress, review cards
 * (their due-index entries are attributes of the same items) and idempotency records. Export and
 * delete are therefore one paginated query each — never a scan.
 */

async function* userItems(store: Store, sub: string, projection?: string) {
  const pages = paginateQuery(
    { client: store.doc },
    {
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.user(sub).pk },
      ConsistentRead: true,
      ...(projection ? { ProjectionExpression: projection } : {}),
    },
  );
  for await (const page of pages) yield* page.Items ?? [];
}

export interface AccountExport {
  progress: Record<string, unknown>[];
  attempts: Record<string, unknown>[];
  cards: Record<string, unknown>[];
}

const sections: Record<string, keyof AccountExport> = { progress: 'progress', attempt: 'attempts', card: 'cards' };

/** The learner's data without storage internals (keys, index attributes, idempotency records). */
export async function exportAccount(store: Store, sub: string): Promise<AccountExport> {
  const data: AccountExport = { progress: [], attempts: [], cards: [] };
  for await (const item of userItems(store, sub)) {
    const { pk: _pk, sk: _sk, gsi2pk: _gpk, gsi2sk: _gsk, ttl: _ttl, type, ...fields } = item;
    const section = sections[String(type)];
    if (section) data[section].push(fields);
  }
  return data;
}

/** Deletes every item of the learner; returns how many were deleted. */
export async function deleteAccount(store: Store, sub: string): Promise<number> {
  let deleted = 0;
  let batch: { DeleteRequest: { Key: Record<string, unknown> } }[] = [];
  const flush = async () => {
    const requests = batch;
    batch = [];
    await batchWrite(store, requests);
  };
  for await (const item of userItems(store, sub, 'pk, sk')) {
    batch.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
    deleted++;
    if (batch.length === 25) await flush();
  }
  if (batch.length) await flush();
  return deleted;
}
