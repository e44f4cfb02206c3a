import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AnswerKey } from '../domain/answer-key';
import type { Store } from './client';
import * as keys from './keys';

/** Answer keys live beside their lesson: pk LESSON#<id>, sk ITEM#<itemId>. */
export const answerKeyItem = (lessonId: string, key: AnswerKey) => ({ ...keys.lessonItem(lessonId, key.itemId), type: 'answerKey', lessonId, ...key });

export const stripAnswerKey = (item: Record<string, unknown>): AnswerKey => {
  const { pk: _pk, sk: _sk, type: _type, lessonId: _lessonId, ...key } = item;
  return key as AnswerKey;
};

export async function getAnswerKey(store: Store, lessonId: string, itemId: string): Promise<AnswerKey | undefined> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.lessonItem(lessonId, itemId) }));
  return result.Item ? stripAnswerKey(result.Item) : undefined;
}

export async function listAnswerKeys(store: Store, lessonId: string): Promise<AnswerKey[]> {
  const { pk, sk } = keys.lessonItemsPrefix(lessonId);
  const result = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk, ':sk': sk },
    }),
  );
  return (result.Items ?? []).map(stripAnswerKey);
}
