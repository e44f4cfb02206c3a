import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Store } from './client';
import * as keys from './keys';
import { queryPrefix } from './query';

/**
 * Aggregate answer statistics per item (no learner identity): attempts, correct answers, picks per
 * choice and self-ratings. Nothing on the learner's write path touches them: the statistics
 * aggregator (lambdas/events/item-stats.ts) adds whole batches of attempts from the table's stream.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const PICK = 'pick_';
const RATING = 'rating_';

/** One attempt as the aggregator counts it, named by a digest of the attempt item's key. */
export interface CountedAttempt {
  digest: string;
  lessonId: string;
  itemId: string;
  kind: string;
  correct?: boolean;
  rating?: string;
  picks: readonly string[];
}

/**
 * How long the "already counted" marker outlives its attempt's stream record: streams keep records
 * 24 hours, and a batch that failed every retry waits up to 14 days in the on-failure queue for a
 * replay by hand, so the marker stays 15 days (a replay then still counts nothing twice).
 */
export const COUNTED_MARKER_TTL_SECONDS = 15 * 24 * 3600;

/** A transaction holds at most 100 actions: 99 markers and the one increment. */
export const MAX_ATTEMPTS_PER_WRITE = 99;

export type CountOutcome = { counted: number; alreadyCounted: number };

/**
 * Adds attempts of one item to its statistics, exactly once each: every attempt's marker is put
 * (only if absent) in the same transaction as the summed increment, so an attempt is in the counts
 * if and only if its marker exists. A replayed attempt's marker exists: the transaction is cancelled,
 * the attempts already counted are dropped and the rest are written again (each round drops at least one).
 */
export async function addItemAttempts(store: Store, attempts: readonly CountedAttempt[], now: Date): Promise<CountOutcome> {
  const first = attempts[0];
  if (!first) return { counted: 0, alreadyCounted: 0 };
  if (attempts.length > MAX_ATTEMPTS_PER_WRITE) throw new Error(`at most ${MAX_ATTEMPTS_PER_WRITE} attempts per write`);
  if (attempts.some((a) => a.lessonId !== first.lessonId || a.itemId !== first.itemId)) throw new Error('attempts of one item per write');
  let pending = [...new Map(attempts.map((a) => [a.digest, a])).values()];
  let alreadyCounted = attempts.length - pending.length;
  const ttl = Math.floor(now.getTime() / 1000) + COUNTED_MARKER_TTL_SECONDS;
  while (pending.length > 0) {
    const markers: TransactItem[] = pending.map((a) => ({
      Put: {
        TableName: store.tableName,
        Item: { ...keys.countedAttempt(a.lessonId, a.digest), type: 'countedAttempt', ttl },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    try {
      await store.doc.send(new TransactWriteCommand({ TransactItems: [...markers, increment(store, pending)] }));
      return { counted: pending.length, alreadyCounted };
    } catch (error) {
      const reasons = (error as { name?: string; CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      const seen = new Set(pending.filter((_, i) => reasons?.[i]?.Code === 'ConditionalCheckFailed').map((a) => a.digest));
      if ((error as Error).name !== 'TransactionCanceledException' || seen.size === 0) throw error;
      alreadyCounted += seen.size;
      pending = pending.filter((a) => !seen.has(a.digest));
    }
  }
  return { counted: 0, alreadyCounted };
}

function increment(store: Store, attempts: readonly CountedAttempt[]): TransactItem {
  const first = attempts[0]!;
  const sums = new Map<string, number>([['attempts', attempts.length]]);
  const add = (name: string, n: number) => sums.set(name, (sums.get(name) ?? 0) + n);
  for (const a of attempts) {
    if (a.correct !== undefined) add('correct', a.correct ? 1 : 0);
    if (a.rating !== undefined) add(`${RATING}${a.rating}`, 1);
    for (const choice of a.picks) add(`${PICK}${choice}`, 1);
  }
  const entries = [...sums];
  return {
    Update: {
      TableName: store.tableName,
      Key: keys.itemStats(first.lessonId, first.itemId),
      UpdateExpression: `SET #type = :type, lessonId = :lesson, itemId = :item, kind = :kind ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: { '#type': 'type', ...Object.fromEntries(entries.map(([name], i) => [`#n${i}`, name])) },
      ExpressionAttributeValues: {
        ':type': 'itemStats',
        ':lesson': first.lessonId,
        ':item': first.itemId,
        ':kind': first.kind,
        ...Object.fromEntries(entries.map(([, n], i) => [`:v${i}`, n])),
      },
    },
  };
}

export interface ItemStats {
  itemId: string;
  kind: string;
  attempts: number;
  correct?: number;
  picks: Record<string, number>;
  ratings: Record<string, number>;
}

/**
 * The statistics of a lesson's items. Counts written before statistics had their own partition
 * (LESSON#<id>, sk STATS#<item>) are frozen there and added in, so no history is lost without a migration.
 */
export async function listItemStats(store: Store, lessonId: string): Promise<ItemStats[]> {
  const [current, legacy] = await Promise.all([queryPrefix(store, keys.itemStatsPrefix(lessonId)), queryPrefix(store, keys.legacyItemStatsPrefix(lessonId))]);
  const byItem = new Map<string, ItemStats>();
  for (const item of [...current, ...legacy]) {
    const counts = (prefix: string) =>
      Object.fromEntries(Object.entries(item).filter(([name]) => name.startsWith(prefix)).map(([name, n]) => [name.slice(prefix.length), Number(n)]));
    const stats: ItemStats = {
      itemId: String(item.itemId),
      kind: String(item.kind),
      attempts: Number(item.attempts ?? 0),
      ...(item.correct !== undefined ? { correct: Number(item.correct) } : {}),
      picks: counts(PICK),
      ratings: counts(RATING),
    };
    const seen = byItem.get(stats.itemId);
    byItem.set(stats.itemId, seen ? sum(seen, stats) : stats);
  }
  return [...byItem.values()];
}

function sum(a: ItemStats, b: ItemStats): ItemStats {
  const merge = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const correct = a.correct === undefined && b.correct === undefined ? {} : { correct: (a.correct ?? 0) + (b.correct ?? 0) };
  return { itemId: a.itemId, kind: a.kind, attempts: a.attempts + b.attempts, ...correct, picks: merge(a.picks, b.picks), ratings: merge(a.ratings, b.ratings) };
}
