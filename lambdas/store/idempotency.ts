import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';

/**
 * Idempotency records, in the caller's partition: pk USER#<sub>, sk IDEMPOTENCY#<route>#<key>.
 * A conditional put claims the key (only one of any number of concurrent requests can); the winner
 * stores its response, the others read it. An abandoned claim (crashed function) expires after the
 * lock time, and records disappear through the table's TTL.
 */

export const storedResponseSchema = z.object({
  statusCode: z.number().check(z.int()),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});
export type StoredResponse = z.infer<typeof storedResponseSchema>;

const recordSchema = z.object({
  status: z.enum(['in-progress', 'completed']),
  fingerprint: z.string(),
  lockedUntil: z.number(),
  response: z.optional(storedResponseSchema),
});

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'completed'; response: StoredResponse }
  | { outcome: 'in-progress' }
  | { outcome: 'mismatch' };

export interface IdempotencyScope {
  sub: string;
  route: string;
  key: string;
}

const recordKey = (scope: IdempotencyScope) => keys.idempotency(scope.sub, scope.route, scope.key);

export async function claim(store: Store, scope: IdempotencyScope, fingerprint: string, now: number, options: { lockMs: number; ttlSeconds: number }): Promise<Claim> {
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          ...recordKey(scope),
          type: 'idempotency',
          status: 'in-progress',
          fingerprint,
          lockedUntil: now + options.lockMs,
          ttl: Math.floor(now / 1000) + options.ttlSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND lockedUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': 'in-progress', ':now': now },
      }),
    );
    return { outcome: 'claimed' };
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
  }
  const existing = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: recordKey(scope), ConsistentRead: true }));
  // Released between our put and our read: the other request failed, so this one may simply retry.
  if (!existing.Item) return { outcome: 'in-progress' };
  const record = recordSchema.parse(existing.Item);
  if (record.fingerprint !== fingerprint) return { outcome: 'mismatch' };
  if (record.status === 'completed' && record.response) return { outcome: 'completed', response: record.response };
  return { outcome: 'in-progress' };
}

/**
 * Stores the response of the request that holds the claim. Conditional, so that a record deleted in
 * the meantime (the account was deleted mid-request) is not brought back half-made.
 */
export async function complete(store: Store, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
  await store.doc
    .send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: recordKey(scope),
        UpdateExpression: 'SET #status = :completed, #response = :response',
        ConditionExpression: '#status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
        ExpressionAttributeValues: { ':completed': 'completed', ':response': response, ':inProgress': 'in-progress' },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionalFailure(error)) throw error;
    });
}

/** Gives the key back after a failed request, so that a retry runs again. */
export async function release(store: Store, scope: IdempotencyScope): Promise<void> {
  await store.doc.send(
    new DeleteCommand({
      TableName: store.tableName,
      Key: recordKey(scope),
      ConditionExpression: '#status = :inProgress',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':inProgress': 'in-progress' },
    }),
  ).catch((error: unknown) => {
    if (!isConditionalFailure(error)) throw error;
  });
}
