import { GetCommand, QueryCommand, TransactWriteCommand, paginateQuery, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import type { AnswerKey } from '../domain/answer-key';
import { cardStateSchema, type CardState } from '../domain/scheduling';
import { isConditionalFailure, isTransactionConflict, type Store } from './client';
import * as keys from './keys';
import { queryPrefix } from './query';

/**
 * Review cards: one per learner and exercise item, pk USER#<sub>, sk CARD#<lesson>#<item>. Each card
 * also sits in its learner's due queue (gsi2, sorted by due time), so "what is due now" is one query.
 * `version` counts writes: every update is conditional on the version it read.
 */

export const storedCardSchema = z.object({
  lessonId: z.string(),
  itemId: z.string(),
  kind: z.enum(['mcq', 'ordering', 'recall']),
  card: cardStateSchema,
  version: z.number().check(z.int()),
  /** Whether the latest scheduled answer was right; absent on cards written before it was kept. */
  lastCorrect: z.optional(z.boolean()),
  /** True while every scheduled answer of the card came from merged anonymous work (see recordForLearner). */
  anonymousOnly: z.optional(z.boolean()),
});
export type StoredCard = z.infer<typeof storedCardSchema>;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export async function getCard(store: Store, sub: string, lessonId: string, itemId: string): Promise<StoredCard | undefined> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.card(sub, lessonId, itemId), ConsistentRead: true }));
  return result.Item ? storedCardSchema.parse(result.Item) : undefined;
}

/** The write of a card's next state, conditional on the version it was computed from. */
export function cardPut(
  store: Store,
  sub: string,
  key: Pick<AnswerKey, 'kind' | 'itemId'> & { lessonId: string },
  previous: StoredCard | undefined,
  card: CardState,
  lastCorrect?: boolean,
  anonymousOnly = false,
): TransactItem {
  const item = {
    ...keys.card(sub, key.lessonId, key.itemId),
    ...keys.cardDue(sub, card.due, key.lessonId, key.itemId),
    type: 'card',
    lessonId: key.lessonId,
    itemId: key.itemId,
    kind: key.kind,
    card,
    version: (previous?.version ?? 0) + 1,
    ...(lastCorrect !== undefined ? { lastCorrect } : {}),
    ...(anonymousOnly ? { anonymousOnly } : {}),
  };
  return {
    Put: {
      TableName: store.tableName,
      Item: item,
      ...(previous
        ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': previous.version } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

/**
 * Every card due at or before `until`, earliest first, from the due index (all pages: what the
 * learner's day holds, so the queue and its counts never read the whole partition).
 */
export async function listCardsDueBy(store: Store, sub: string, until: Date): Promise<StoredCard[]> {
  const bound = keys.dueUntil(sub, until.toISOString());
  const pages = paginateQuery(
    { client: store.doc },
    {
      TableName: store.tableName,
      IndexName: keys.dueIndex,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :until',
      ExpressionAttributeValues: { ':pk': bound.gsi2pk, ':until': bound.gsi2sk },
    },
  );
  const cards: StoredCard[] = [];
  for await (const page of pages) cards.push(...(page.Items ?? []).map((item) => storedCardSchema.parse(item)));
  return cards;
}

/** The next `limit` cards due after `after`, earliest first (one page of the due index). */
export async function listCardsDueAfter(store: Store, sub: string, after: Date, limit: number): Promise<StoredCard[]> {
  const bound = keys.dueUntil(sub, after.toISOString());
  const result = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      IndexName: keys.dueIndex,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk > :after',
      ExpressionAttributeValues: { ':pk': bound.gsi2pk, ':after': bound.gsi2sk },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => storedCardSchema.parse(item));
}

/** Every card of the learner (all lessons), for mastery, forecasts and statistics. */
export async function listCards(store: Store, sub: string): Promise<StoredCard[]> {
  return (await queryPrefix(store, keys.cardPrefix(sub))).map((item) => storedCardSchema.parse(item));
}

/**
 * The learner's cards of one lesson (what its completion is decided from), read consistently: the
 * page saves progress right after the answer that completes it, and must see that answer's card.
 */
export async function listLessonCards(store: Store, sub: string, lessonId: string): Promise<StoredCard[]> {
  return (await queryPrefix(store, keys.lessonCardPrefix(sub, lessonId), { consistent: true })).map((item) => storedCardSchema.parse(item));
}

/**
 * Replaces an old whole-recall card by its per-prompt cards in one transaction: the old card is
 * deleted only if it is still the version that was read, and a prompt card that already exists is
 * never overwritten (a newer answer to it wins). So a migration that races a review, or runs twice,
 * loses nothing.
 */
export async function migrateCard(store: Store, sub: string, old: StoredCard, replacements: (StoredCard & { migratedFrom: string })[]): Promise<boolean> {
  const items: TransactItem[] = [
    { Delete: { TableName: store.tableName, Key: keys.card(sub, old.lessonId, old.itemId), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': old.version } } },
    ...replacements.map((card) => ({
      Put: {
        TableName: store.tableName,
        Item: { ...keys.card(sub, card.lessonId, card.itemId), ...keys.cardDue(sub, card.card.due, card.lessonId, card.itemId), type: 'card', ...card, version: 1 },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    })),
  ];
  // A failed condition means another request migrated or answered first (false; the callers read the
  // cards again). A transaction whose cancellation reasons include TransactionConflict (another one
  // held an item) wrote nothing: it is tried up to MIGRATION_ATTEMPTS times in all, after short random
  // waits, then left for a later read (false). Any other failure is an error for the caller to handle.
  for (let attempt = 1; ; attempt++) {
    try {
      await store.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      if (!isTransactionConflict(error)) throw error;
      if (attempt === MIGRATION_ATTEMPTS) return false;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt * (0.5 + Math.random())));
    }
  }
}

/** Sends of one card migration while other transactions hold its items. */
export const MIGRATION_ATTEMPTS = 3;
