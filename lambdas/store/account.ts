import { BatchWriteCommand, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { defaultSettings, settingsSchema, type Settings } from '../domain/settings';
import type { Store } from './client';
import { keys } from './keys';

/**
 * Everything personal sits in the learner's partition (USER#<sub>): attempts, progress, review cards
 * (their due-index entries are attributes of the same items), review logs, daily activity counts,
 * settings and idempotency records. Export and
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
  reviewLogs: Record<string, unknown>[];
  activityDays: Record<string, unknown>[];
  settings: Record<string, unknown>[];
}

const sections: Record<string, keyof AccountExport> = { progress: 'progress', attempt: 'attempts', card: 'cards', reviewLog: 'reviewLogs', activityDay: 'activityDays', settings: 'settings' };

/** The learner's data without storage internals (keys, index attributes, idempotency records). */
export async function exportAccount(store: Store, sub: string): Promise<AccountExport> {
  const data: AccountExport = { progress: [], attempts: [], cards: [], reviewLogs: [], activityDays: [], settings: [] };
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
    let requests = batch;
    batch = [];
    // BatchWrite may leave some requests unprocessed under load; retry those with backoff.
    for (let attempt = 0; requests.length > 0; attempt++) {
      const result = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: requests } }));
      requests = (result.UnprocessedItems?.[store.tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  };
  for await (const item of userItems(store, sub, 'pk, sk')) {
    batch.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
    deleted++;
    if (batch.length === 25) await flush();
  }
  if (batch.length) await flush();
  return deleted;
}

const settingsItemSchema = settingsSchema.partial();

export async function getSettings(store: Store, sub: string): Promise<Settings> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.settings(sub), ConsistentRead: true }));
  const stored = result.Item ? settingsItemSchema.safeParse(Object.fromEntries(Object.entries(result.Item).filter(([k]) => k in settingsSchema.shape))) : undefined;
  return { ...defaultSettings, ...(stored?.success ? stored.data : {}) };
}

export async function putSettings(store: Store, sub: string, settings: Settings): Promise<void> {
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...keys.settings(sub), type: 'settings', ...settings } }));
}
