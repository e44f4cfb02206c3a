import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import type { Progress } from '../domain/progress';
import { progressStatuses } from '../domain/progress';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';
import { queryPrefix } from './query';

/** Lesson progress: pk USER#<sub>, sk PROGRESS#<lesson>, versioned so that no write is lost. */

const progressSchema = z.object({
  lessonId: z.string(),
  status: z.enum(progressStatuses),
  position: z.optional(z.string()),
  startedAt: z.string(),
  completedAt: z.optional(z.string()),
  updatedAt: z.string(),
  version: z.number().check(z.int()),
});

const strip = (item: Record<string, unknown>): Progress => progressSchema.parse(item);

export async function getProgress(store: Store, sub: string, lessonId: string): Promise<Progress | undefined> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.progress(sub, lessonId), ConsistentRead: true }));
  return result.Item ? strip(result.Item) : undefined;
}

export async function listProgress(store: Store, sub: string): Promise<Progress[]> {
  return (await queryPrefix(store, keys.progressPrefix(sub))).map(strip);
}

/** Writes `next` only if the stored version is still `next.version - 1`; false when someone got there first. */
export async function putProgressIfUnchanged(store: Store, sub: string, next: Progress): Promise<boolean> {
  const expected = next.version - 1;
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...keys.progress(sub, next.lessonId), type: 'progress', ...next },
        ...(expected === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expected } }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

/** Whether the catalog knows the lesson (progress is only kept for lessons that exist). */
export async function lessonExists(store: Store, lessonId: string): Promise<boolean> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.lesson(lessonId), ProjectionExpression: 'pk' }));
  return Boolean(result.Item);
}
