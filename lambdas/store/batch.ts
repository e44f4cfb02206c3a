import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './client';

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * DynamoDB may leave part of a batch unprocessed (throttling, size limits); those parts are sent
 * again after 100 ms, 200 ms, 400 ms, … (at most 1 s) and after 8 attempts in all (~4.5 s of waiting)
 * the batch fails instead of looping for as long as the table stays throttled.
 */
export const BATCH_ATTEMPTS = 8;
const backoffMs = (attempt: number) => Math.min(1000, 50 * 2 ** attempt);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A batch that still had unprocessed requests after its last attempt. */
export class UnprocessedBatchError extends Error {
  constructor(
    readonly operation: string,
    readonly unprocessed: number,
  ) {
    super(`${operation}: ${unprocessed} request(s) still unprocessed after ${BATCH_ATTEMPTS} attempts`);
    this.name = 'UnprocessedBatchError';
  }
}

/** Sends `requests`, then whatever `send` reports unprocessed, until nothing is left or the attempts run out. */
export async function untilProcessed<T>(
  operation: string,
  requests: T[],
  send: (pending: T[]) => Promise<T[]>,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === BATCH_ATTEMPTS) throw new UnprocessedBatchError(operation, pending.length);
    if (attempt > 0) await wait(backoffMs(attempt));
    pending = await send(pending);
  }
}

/** BatchWrite in chunks of 25 (the service's limit). */
export async function batchWrite(store: Store, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    await untilProcessed('BatchWrite', requests.slice(i, i + 25), async (pending) => {
      const result = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending } }));
      return (result.UnprocessedItems?.[store.tableName] ?? []) as WriteRequest[];
    });
  }
}

/** What a BatchGet may add to its keys: a strongly consistent read, a projection. */
export interface BatchGetOptions {
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

/** BatchGet in chunks of 100 (the service's limit); every item found is passed to `onItem`. */
export async function batchGet(
  store: Store,
  keys: Record<string, unknown>[],
  onItem: (item: Record<string, unknown>) => void,
  options: BatchGetOptions = {},
): Promise<void> {
  for (let i = 0; i < keys.length; i += 100) {
    await untilProcessed('BatchGet', keys.slice(i, i + 100), async (pending) => {
      const result = await store.doc.send(new BatchGetCommand({ RequestItems: { [store.tableName]: { Keys: pending, ...options } } }));
      for (const item of result.Responses?.[store.tableName] ?? []) onItem(item);
      return (result.UnprocessedKeys?.[store.tableName]?.Keys ?? []) as Record<string, unknown>[];
    });
  }
}
