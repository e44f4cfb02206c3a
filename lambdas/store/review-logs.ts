import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import { cardStateSchema, elapsedDays, type CardState } from '../domain/scheduling';
import { selfRatings, type SelfRating } from '../domain/grading';
import type { Store } from './client';
import * as keys from './keys';
import { queryPrefix } from './query';

/**
 * Review logs: one item per scheduled answer (never for practice), pk USER#<sub>, sk
 * LOG#<iso time>#<lesson>#<card>, so a learner's logs read back in time order with one query. They
 * hold what an FSRS parameter optimizer needs: the card, the time, the rating, the days since the
 * card's previous scheduled answer and its state before and after. They sit in the learner's
 * partition, so the account export includes them and the account deletion removes them.
 *
 * Beside them, one counter per calendar day (DAY#<YYYY-MM-DD>, in the learner's time zone) counts
 * scheduled answers, for the daily goal and the streak without reading every log.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const reviewLogSchema = z.object({
  lessonId: z.string(),
  cardItem: z.string(),
  kind: z.enum(['mcq', 'ordering', 'recall']),
  at: z.string(),
  rating: z.enum(selfRatings),
  /** A lesson page attempt, a review, or anonymous work merged on sign-in (scheduled at its own time). */
  source: z.enum(['attempt', 'review', 'merge']),
  elapsedDays: z.number(),
  before: z.optional(cardStateSchema),
  after: cardStateSchema,
});
export type ReviewLog = z.infer<typeof reviewLogSchema>;

export function reviewLogPut(
  store: Store,
  sub: string,
  log: { lessonId: string; cardItem: string; kind: ReviewLog['kind']; at: string; rating: SelfRating; source: ReviewLog['source']; before: CardState | undefined; after: CardState },
): TransactItem {
  const { before, ...rest } = log;
  return {
    Put: {
      TableName: store.tableName,
      Item: { ...keys.reviewLog(sub, log.at, log.lessonId, log.cardItem), type: 'reviewLog', ...rest, ...(before ? { before } : {}), elapsedDays: elapsedDays(before, new Date(log.at)) },
    },
  };
}

/** Every review log of the learner, oldest first. */
export async function listReviewLogs(store: Store, sub: string): Promise<ReviewLog[]> {
  return (await queryPrefix(store, keys.reviewLogPrefix(sub))).map((item) => reviewLogSchema.parse(item));
}

export function activityDayAdd(store: Store, sub: string, day: string): TransactItem {
  return {
    Update: {
      TableName: store.tableName,
      Key: keys.activityDay(sub, day),
      UpdateExpression: 'SET #type = :type, #day = :day ADD reviews :one',
      ExpressionAttributeNames: { '#type': 'type', '#day': 'day' },
      ExpressionAttributeValues: { ':type': 'activityDay', ':day': day, ':one': 1 },
    },
  };
}

/** Scheduled answers per day, oldest first. */
export async function listActivityDays(store: Store, sub: string): Promise<{ day: string; reviews: number }[]> {
  return (await queryPrefix(store, keys.activityDayPrefix(sub))).map((item) => ({ day: String(item.day), reviews: Number(item.reviews ?? 0) }));
}
