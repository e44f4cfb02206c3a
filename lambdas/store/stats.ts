import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Answer, Outcome } from '../domain/grading';
import { pickedChoices } from '../domain/grading';
import type { Store } from './client';
import { keys } from './keys';
import { queryPrefix } from './query';

/**
 * Aggregate answer statistics per item (no learner identity): attempts, correct answers, picks per
 * choice and self-ratings. Counters are updated with ADD, so concurrent answers never overwrite each other.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const PICK = 'pick_';
const RATING = 'rating_';

export function statsUpdate(store: Store, lessonId: string, record: { key: { itemId: string; kind: string }; answer: Answer; outcome: Outcome }): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':one': 1, ':type': 'itemStats', ':lesson': lessonId, ':item': record.key.itemId, ':kind': record.key.kind };
  const adds = ['attempts :one'];
  if ('correct' in record.outcome) {
    adds.push('correct :correct');
    values[':correct'] = record.outcome.correct ? 1 : 0;
  } else {
    names['#rating'] = `${RATING}${record.outcome.rating}`;
    adds.push('#rating :one');
  }
  pickedChoices(record.answer).forEach((choice, i) => {
    names[`#p${i}`] = `${PICK}${choice}`;
    adds.push(`#p${i} :one`);
  });
  return {
    Update: {
      TableName: store.tableName,
      Key: keys.itemStats(lessonId, record.key.itemId),
      UpdateExpression: `SET #type = :type, lessonId = :lesson, itemId = :item, kind = :kind ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: { ...names, '#type': 'type' },
      ExpressionAttributeValues: values,
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

export async function listItemStats(store: Store, lessonId: string): Promise<ItemStats[]> {
  const items = await queryPrefix(store, keys.itemStatsPrefix(lessonId));
  return items.map((item) => {
    const counts = (prefix: string) =>
      Object.fromEntries(Object.entries(item).filter(([name]) => name.startsWith(prefix)).map(([name, n]) => [name.slice(prefix.length), Number(n)]));
    return {
      itemId: String(item.itemId),
      kind: String(item.kind),
      attempts: Number(item.attempts ?? 0),
      ...(item.correct !== undefined ? { correct: Number(item.correct) } : {}),
      picks: counts(PICK),
      ratings: counts(RATING),
    };
  });
}
