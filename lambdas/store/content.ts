import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import type { AnswerKey } from '../domain/answer-key';
import type { LessonSummary } from '../domain/catalog';
import type { ConceptEntry } from '../domain/concepts';
import type { IdLedger } from '../domain/item-ids';
import { answerKeyItem, stripAnswerKey } from './answer-keys';
import { batchGet, batchWrite } from './batch';
import type { Store } from './client';
import { keys } from './keys';

/**
 * What ingest keeps per lesson besides its catalog summary: the rendered body (to rebuild the page
 * when neighbours change, without the source file), the id ledger and the answer keys.
 */

export interface PublishedLesson {
  answerKeys: AnswerKey[];
  ledger: IdLedger;
}

const ledgerSchema = z.record(
  z.string(),
  z.object({ kind: z.enum(['mcq', 'ordering', 'recall', 'choice']), fingerprint: z.string(), retiredAt: z.optional(z.string()) }),
);

/** Everything stored under a lesson's partition, in one query. */
export async function readLessonPartition(store: Store, lessonId: string): Promise<PublishedLesson> {
  const found: PublishedLesson = { answerKeys: [], ledger: {} };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.lessonPartition(lessonId).pk },
        ProjectionExpression: 'pk, sk, #type, #ledger, itemId, kind, choiceIds, correct, explanations, #order, prompts',
        ExpressionAttributeNames: { '#type': 'type', '#ledger': 'ledger', '#order': 'order' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === keys.lessonIds(lessonId).sk) found.ledger = ledgerSchema.parse(item.ledger);
      else if (item.type === 'answerKey') found.answerKeys.push(stripAnswerKey(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

export interface LessonVersion {
  summary: LessonSummary;
  /** Content key of the source file and its hash: an unchanged file is recognised without writes. */
  source: string;
  hash: string;
  body: string;
  answerKeys: AnswerKey[];
  ledger: IdLedger;
}

/**
 * Publishes a lesson version: answer keys of removed items are deleted (their ids stay retired in
 * the ledger), then keys, ledger and body, and the catalog summary last, so the catalog never
 * lists a lesson whose keys are missing.
 */
export async function writeLessonVersion(store: Store, version: LessonVersion, previous: PublishedLesson): Promise<void> {
  const id = version.summary.id;
  const live = new Set(version.answerKeys.map((k) => k.itemId));
  await batchWrite(store, [
    ...previous.answerKeys.filter((k) => !live.has(k.itemId)).map((k) => ({ DeleteRequest: { Key: keys.lessonItem(id, k.itemId) } })),
    ...version.answerKeys.map((k) => ({ PutRequest: { Item: answerKeyItem(id, k) } })),
    { PutRequest: { Item: { ...keys.lessonIds(id), type: 'lessonIds', lessonId: id, ledger: version.ledger } } },
    { PutRequest: { Item: { ...keys.lessonBody(id), type: 'lessonBody', lessonId: id, html: version.body, hash: version.hash } } },
  ]);
  await store.doc.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { ...keys.lesson(id), ...keys.catalogLesson(version.summary), type: 'lesson', ...version.summary, source: version.source, hash: version.hash },
    }),
  );
}

/** Unpublishes a lesson: summary first (it leaves the catalog), then body and keys; the ledger stays. */
export async function deleteLessonVersion(store: Store, lessonId: string, previous: PublishedLesson, ledger: IdLedger): Promise<void> {
  await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: keys.lesson(lessonId) }));
  await batchWrite(store, [
    { DeleteRequest: { Key: keys.lessonBody(lessonId) } },
    ...previous.answerKeys.map((k) => ({ DeleteRequest: { Key: keys.lessonItem(lessonId, k.itemId) } })),
    { PutRequest: { Item: { ...keys.lessonIds(lessonId), type: 'lessonIds', lessonId, ledger } } },
  ]);
}

/** Rendered bodies of several lessons (BatchGet, 100 at a time). */
export async function getLessonBodies(store: Store, lessonIds: string[]): Promise<Map<string, string>> {
  const bodies = new Map<string, string>();
  await batchGet(store, lessonIds.map((id) => keys.lessonBody(id)), (item) => bodies.set(String(item.lessonId), String(item.html)));
  return bodies;
}

export async function putConceptIndex(store: Store, entries: ConceptEntry[]): Promise<void> {
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...keys.conceptIndex(), type: 'conceptIndex', concepts: entries } }));
}

export async function getConceptIndex(store: Store): Promise<ConceptEntry[]> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.conceptIndex() }));
  return (result.Item?.concepts as ConceptEntry[] | undefined) ?? [];
}
