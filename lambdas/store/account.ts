import { GetCommand, UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import { defaultSettings, settingsSchema, type LearnerSettings, type Settings } from '../domain/settings';
import { batchWrite } from './batch';
import type { Store } from './client';
import * as keys from './keys';

/**
 * Everything personal sits in the learner's partition (USER#<sub>): attempts, progress, review cards
 * (their due-index entries are attributes of the same items), review logs, daily activity counts,
 * settings, sessions and idempotency records. The one other item that holds the sub is the
 * learner's rate-limit state (RATE#user:<sub>, one item per policy set). Export is one paginated
 * query, delete one per partition — never a scan.
 */

async function* partitionItems(store: Store, pk: string, projection?: string) {
  const pages = paginateQuery(
    { client: store.doc },
    {
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
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
  for await (const item of partitionItems(store, keys.user(sub).pk)) {
    const { pk: _pk, sk: _sk, gsi2pk: _gpk, gsi2sk: _gsk, ttl: _ttl, type, ...fields } = item;
    const section = sections[String(type)];
    if (section) data[section].push(fields);
  }
  return data;
}

/** Deletes every item of the learner, their rate-limit state included; returns how many were deleted. */
export async function deleteAccount(store: Store, sub: string): Promise<number> {
  let deleted = 0;
  let batch: { DeleteRequest: { Key: Record<string, unknown> } }[] = [];
  const flush = async () => {
    const requests = batch;
    batch = [];
    await batchWrite(store, requests);
  };
  const partitions = [keys.user(sub).pk, keys.rateLimitPartition(keys.rateLimitSubject.user(sub)).pk];
  for (const pk of partitions) {
    for await (const item of partitionItems(store, pk, 'pk, sk')) {
      batch.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
      deleted++;
      if (batch.length === 25) await flush();
    }
  }
  if (batch.length) await flush();
  return deleted;
}

/**
 * The learner's settings, defaults for what was never saved. Each stored field is checked on its
 * own: one that no longer parses (say, parameters of an unknown length) falls back to its default
 * without taking the others with it.
 */
export async function getSettings(store: Store, sub: string): Promise<Settings> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.settings(sub), ConsistentRead: true }));
  const stored: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(settingsSchema.shape)) {
    const parsed = result.Item && name in result.Item ? (schema as z.ZodMiniType).safeParse(result.Item[name]) : undefined;
    if (parsed?.success && parsed.data !== undefined) stored[name] = parsed.data;
  }
  return { ...defaultSettings, ...(stored as Partial<Settings>) };
}

/**
 * Saves what the learner set (goal, time zone, desired retention), field by field: an update never
 * overwrites the other attributes of the item, such as the FSRS parameters (`w`) an optimizer
 * writes there.
 */
export async function putSettings(store: Store, sub: string, settings: LearnerSettings): Promise<void> {
  const fields = Object.entries(settings).filter(([, value]) => value !== undefined);
  const names = Object.fromEntries([['#type', 'type'], ...fields.map(([name], i) => [`#f${i}`, name])]);
  const values = Object.fromEntries([[':type', 'settings'], ...fields.map(([, value], i) => [`:f${i}`, value])]);
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: keys.settings(sub),
      UpdateExpression: `SET ${['#type = :type', ...fields.map((_, i) => `#f${i} = :f${i}`)].join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}
