import { GetCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FitQuality } from '../optimizer/parameters';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';

/**
 * What the FSRS optimizer job reads and writes: the learner's review logs (paginated Query on the
 * LOG# prefix of their partition, never a Scan) and the fitted parameters on their settings item.
 */

const logQuery = (store: Store, sub: string) => {
  const prefix = keys.reviewLogPrefix(sub);
  return {
    TableName: store.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
  };
};

/** How many review logs the learner has (a COUNT query: no item leaves the table). */
export async function countReviewLogs(store: Store, sub: string): Promise<number> {
  let count = 0;
  for await (const page of paginateQuery({ client: store.doc }, { ...logQuery(store, sub), Select: 'COUNT' })) count += page.Count ?? 0;
  return count;
}

/** The fields of every review log of the learner that a fit needs, oldest first. */
export async function readLogsForFit(store: Store, sub: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: store.doc },
    { ...logQuery(store, sub), ProjectionExpression: 'lessonId, cardItem, #at, rating', ExpressionAttributeNames: { '#at': 'at' } },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

export interface FitRecord {
  /** When the fit ran (ISO). */
  at: string;
  /** Review logs the fit was computed from: it orders fits, as logs only ever grow. */
  reviews: number;
  /** Whether `w` was replaced (a rejected fit keeps the parameters the learner had). */
  accepted: boolean;
  reason?: string;
  /**
   * How the decision was made: the candidate, trained on the earlier reviews, against the parameters
   * in use (the learner's previous fit or the defaults), both on the later, held-out reviews.
   */
  evaluation: { method: 'held-out tail'; trainItems: number; heldOutItems: number; inUse: 'defaults' | 'previous fit'; inUseQuality: FitQuality | null; candidateQuality: FitQuality | null };
  // null: not measurable (no held-out reviews, or an invalid candidate); DynamoDB stores no NaN.
}

/** What the learner's last fit left: its review count and the parameters in use, if fitted. */
export async function lastFit(store: Store, sub: string): Promise<{ reviews: number | undefined; w: unknown }> {
  const result = await store.doc.send(
    new GetCommand({ TableName: store.tableName, Key: keys.settings(sub), ProjectionExpression: 'fsrsFit.reviews, w', ConsistentRead: true }),
  );
  const reviews = (result.Item?.fsrsFit as { reviews?: unknown } | undefined)?.reviews;
  return { reviews: typeof reviews === 'number' ? reviews : undefined, w: result.Item?.w };
}

/**
 * Writes a fit onto the settings item (creating it if the learner never saved settings), only when
 * no fit from as many or more reviews is there already: a slow, older job never overwrites a newer
 * fit. Returns false when the condition refused it. Other settings attributes are left as they are.
 */
export async function saveFit(store: Store, sub: string, fit: FitRecord, w: readonly number[] | undefined): Promise<boolean> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.settings(sub),
        UpdateExpression: `SET #type = if_not_exists(#type, :type), fsrsFit = :fit${w ? ', w = :w' : ''}`,
        ConditionExpression: 'attribute_not_exists(fsrsFit) OR fsrsFit.reviews < :reviews',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'settings', ':fit': fit, ':reviews': fit.reviews, ...(w ? { ':w': [...w] } : {}) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}
