import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AnswerKey } from '../domain/answer-key';
import type { Store } from './client';
import { keys } from './keys';

/** Answer keys live beside their lesson: pk LESSON#<id>, sk ITEM#<itemId>. */
export async function putAnswerKeys(store: Store, lessonId: string, answerKeys: AnswerKey[]): Promise<void> {
  for (let i = 0; i < answerKeys.length; i += 25) {
    const batch = answerKeys.slice(i, i + 25);
    let requests = batch.map((key) => ({ PutRequest: { Item: { ...keys.lessonItem(lessonId, key.itemId), type: 'answerKey', lessonId, ...key } } }));
    // BatchWrite may leave some items unprocessed under load; retry those until none are left.
    for (let attempt = 0; requests.length > 0; attempt++) {
      const result = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: requests } }));
      requests = (result.UnprocessedItems?.[store.tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  }
}

const strip = (item: Record<string, unknown>): AnswerKey => {
  const { pk: _pk, sk: _sk, type: _type, lessonId: _lessonId, ...key } = item;
  return key as AnswerKey;
};

export async function getAnswerKey(store: Store, lessonId: string, itemId: string): Promise<AnswerKey | undefined> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.lessonItem(lessonId, itemId) }));
  return result.Item ? strip(result.Item) : undefined;
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
  return (result.Items ?? []).map(strip);
}
