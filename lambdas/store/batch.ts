import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './client';

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

/** BatchWrite in chunks of 25, retrying unprocessed requests with a short backoff. */
export async function batchWrite(store: Store, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const result = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending } }));
      pending = (result.UnprocessedItems?.[store.tableName] ?? []) as WriteRequest[];
    }
  }
}
