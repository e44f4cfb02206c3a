import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { AnswerKey } from '../domain/answer-key';
import { ratingOf, type Answer, type Outcome } from '../domain/grading';
import type { CardState } from '../domain/scheduling';
import { isConditionalFailure, isTransactionConflict, type Store } from './client';
import * as keys from './keys';
import { activityDayAdd, reviewLogPut } from './review-logs';
import { cardPut, type StoredCard } from './reviews';

export interface AnswerRecord {
  sub: string;
  key: AnswerKey & { lessonId: string };
  answer: Answer;
  outcome: Outcome;
  /** Where the answer came from: a lesson page attempt, a review session, or anonymous work merged on sign-in. */
  source: 'attempt' | 'review' | 'merge';
  at: Date;
  previousCard: StoredCard | undefined;
  /** The card an answer moves: the item, or one recall prompt (`<item>--<prompt>`). */
  cardItem: string;
  /** The card's next state, or undefined for a practice answer (stored, the card untouched). */
  nextCard: CardState | undefined;
  /** Whether the answer was right (for mastery) and the learner's calendar day (for goal and streak). */
  right: boolean;
  day: string;
  /** A client-chosen id (anonymous work merged on sign-in): the attempt is written at most once. */
  attemptId?: string;
}

/** Raised when another request changed the card between our read and our write. */
export class CardConflict extends Error {}

/** Raised when an attempt with the same client-chosen id is already stored (a repeated merge). */
export class AlreadyRecorded extends Error {}

/**
 * One answer, written atomically: the attempt in the learner's history and, unless it is practice,
 * the card's next schedule (conditional on the card version that was read), its review log entry and
 * the day's activity count. The item's statistics are not in the transaction (a shared item there
 * would make concurrent learners cancel each other): the aggregator counts the attempt from the
 * table's stream, from what the attempt item carries (kind, correct or rating, the answer's choices).
 */
export async function recordAnswer(store: Store, record: AnswerRecord): Promise<void> {
  const { sub, key, outcome, at } = record;
  const iso = at.toISOString();
  const attempt = {
    ...keys.attempt(sub, key.lessonId, key.itemId, iso, record.attemptId ?? randomUUID().slice(0, 8)),
    type: 'attempt',
    lessonId: key.lessonId,
    itemId: key.itemId,
    kind: key.kind,
    source: record.source,
    scheduled: record.nextCard !== undefined,
    answer: record.answer,
    ...('correct' in outcome ? { correct: outcome.correct } : { rating: outcome.rating }),
    at: iso,
  };
  const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
    { Put: { TableName: store.tableName, Item: attempt, ...(record.attemptId ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) } },
  ];
  if (record.nextCard) {
    // A card stays `anonymousOnly` while merged anonymous work is all that ever scheduled it.
    const anonymousOnly = record.source === 'merge' && (record.previousCard === undefined || record.previousCard.anonymousOnly === true);
    items.push(cardPut(store, sub, { ...key, itemId: record.cardItem }, record.previousCard, record.nextCard, record.right, anonymousOnly));
    items.push(reviewLogPut(store, sub, { lessonId: key.lessonId, cardItem: record.cardItem, kind: key.kind, at: iso, rating: ratingOf(outcome), source: record.source, before: record.previousCard?.card, after: record.nextCard }));
    items.push(activityDayAdd(store, sub, record.day));
  }
  try {
    await store.doc.send(new TransactWriteCommand({ TableName: store.tableName, TransactItems: items } as TransactWriteCommandInput));
  } catch (error) {
    if (isConditionalFailure(error)) {
      // The first action is the attempt's own put (a merged attempt stored before); any other is the card.
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new AlreadyRecorded('this attempt is already stored');
      throw new CardConflict('the card changed concurrently');
    }
    // DynamoDB cancels a transaction that touches an item another in-flight transaction holds (the
    // learner's day count, say, from a second tab): nothing was written, so it is retried like a conflict.
    if (isTransactionConflict(error)) throw new CardConflict('another write of this learner was in flight');
    throw error;
  }
}
