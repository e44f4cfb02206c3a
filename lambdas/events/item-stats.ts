import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import * as z from '../domain/zod';
import { defaultStore, isTransactionConflict, type Store } from '../store/client';
import { addItemAttempts, MAX_ATTEMPTS_PER_WRITE, type CountedAttempt } from '../store/stats';
import { consoleLog } from './log';

/**
 * The statistics aggregator: counts new attempts from the table's stream into their items'
 * statistics, one write per item and batch instead of one shared-item update in every learner's
 * transaction. Each attempt is counted exactly once: see addItemAttempts (a marker per attempt in
 * the same transaction as the increment), so a retried or replayed batch changes nothing it already counted.
 */

/** Lambda event filter (and the local poller's): only inserted attempt items reach the aggregator. */
export const ATTEMPT_INSERTS = { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['attempt'] } } } } as const;

/** Stream batches and retries of the event source mapping (lib/constructs/item-statistics.ts). */
export const ITEM_STATS_STREAM = { batchSize: 500, maxBatchingWindowSeconds: 5, retryAttempts: 10, maxRecordAgeHours: 24 } as const;

const attemptImage = z.object({
  pk: z.string(),
  sk: z.string(),
  lessonId: z.string(),
  itemId: z.string(),
  kind: z.string(),
  correct: z.optional(z.boolean()),
  rating: z.optional(z.string()),
  answer: z.optional(z.looseObject({ choices: z.optional(z.array(z.string())) })),
});

/** The attempt a stream record carries, or undefined for a record that is not one (nothing to count). */
export function attemptOf(record: DynamoDBRecord): CountedAttempt | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  const parsed = attemptImage.safeParse(unmarshall(image as Record<string, AttributeValue>));
  if (!parsed.success || parsed.data.sk.split('#')[0] !== 'ATTEMPT') return undefined;
  const a = parsed.data;
  return {
    // The key names the attempt uniquely; the digest keeps the learner's id out of the statistics.
    digest: createHash('sha256').update(`${a.pk}\n${a.sk}`).digest('base64url').slice(0, 32),
    lessonId: a.lessonId,
    itemId: a.itemId,
    kind: a.kind,
    ...(a.correct !== undefined ? { correct: a.correct } : {}),
    ...(a.rating !== undefined ? { rating: a.rating } : {}),
    picks: a.answer?.choices ?? [],
  };
}

/** Concurrent batches of other shards may update the same statistics item: retry a conflict a few times. */
const CONFLICT_RETRIES = 5;

async function withConflictRetries<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!isTransactionConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * Math.random()));
    }
  }
}

export interface AggregateResult extends DynamoDBBatchResponse {
  counted: number;
  alreadyCounted: number;
}

/**
 * Counts a batch: attempts grouped per item, one write per item (chunks of 99). A failed write
 * reports the earliest sequence number it held as the batch's failure, so Lambda retries from there;
 * writes after it that did succeed are found counted on the retry and skipped.
 */
export async function aggregateAttempts(store: Store, event: DynamoDBStreamEvent, now = new Date()): Promise<AggregateResult> {
  const groups = new Map<string, { attempts: CountedAttempt[]; sequences: string[] }>();
  for (const record of event.Records) {
    const attempt = attemptOf(record);
    if (!attempt) continue;
    const id = `${attempt.lessonId}\n${attempt.itemId}`;
    const group = groups.get(id) ?? { attempts: [], sequences: [] };
    group.attempts.push(attempt);
    group.sequences.push(record.dynamodb?.SequenceNumber ?? '');
    groups.set(id, group);
  }
  let counted = 0;
  let alreadyCounted = 0;
  const failed: string[] = [];
  const writes = [...groups.values()].flatMap((group) =>
    Array.from({ length: Math.ceil(group.attempts.length / MAX_ATTEMPTS_PER_WRITE) }, (_, i) => ({
      attempts: group.attempts.slice(i * MAX_ATTEMPTS_PER_WRITE, (i + 1) * MAX_ATTEMPTS_PER_WRITE),
      sequences: group.sequences.slice(i * MAX_ATTEMPTS_PER_WRITE, (i + 1) * MAX_ATTEMPTS_PER_WRITE),
    })),
  );
  await Promise.all(
    writes.map(async (write) => {
      try {
        const outcome = await withConflictRetries(() => addItemAttempts(store, write.attempts, now));
        counted += outcome.counted;
        alreadyCounted += outcome.alreadyCounted;
      } catch {
        failed.push(...write.sequences);
      }
    }),
  );
  // Stream sequence numbers are decimal strings of growing length: compare as big integers.
  const earliest = failed.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
  return { counted, alreadyCounted, batchItemFailures: earliest ? [{ itemIdentifier: earliest }] : [] };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, counted, alreadyCounted } = await aggregateAttempts(defaultStore(), event);
  consoleLog({ level: batchItemFailures.length > 0 ? 'WARN' : 'INFO', message: 'item statistics batch', records: event.Records.length, counted, alreadyCounted, failed: batchItemFailures.length });
  return { batchItemFailures };
};
