import { QueryCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import type { AnswerKey } from '../domain/answer-key';
import { lessonSummarySchema, type LessonSummary } from '../domain/catalog';
import type { IdLedger } from '../domain/item-ids';
import { answerKeyItem, stripAnswerKey } from './answer-keys';
import { batchGet, type BatchGetOptions } from './batch';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';

/**
 * What ingest keeps per lesson besides its catalog summary: the rendered body (to rebuild the page
 * when neighbours change, without the source file), the id ledger, the answer keys, and the last
 * applied S3 sequencer of each file that published into the partition. Every version is written in
 * one transaction, conditional on the file's sequencer and the ledger's version, so an older
 * upload can never overwrite a newer one and no published id is ever dropped from the ledger.
 */

export interface PublishedLesson {
  answerKeys: AnswerKey[];
  ledger: IdLedger;
  /** Optimistic lock of the ledger item; undefined when the lesson never had one. */
  ledgerVersion?: number;
  /** The catalog entry as stored, with the file it came from and its content hash. */
  meta?: { summary: LessonSummary; source: string; hash: string; pageHash?: string };
  /** The page context the lesson's page was last rendered with (JSON), for a prose-only edit. */
  pageContext?: string;
  /** Last applied sequencer per content file key. */
  files: Map<string, string>;
}

const ledgerSchema = z.record(
  z.string(),
  z.object({ kind: z.enum(['mcq', 'ordering', 'recall', 'choice']), fingerprint: z.string(), retiredAt: z.optional(z.string()) }),
);

const projected = ['pk', 'sk', 'type', 'ledger', 'version', 'itemId', 'kind', 'choiceIds', 'correct', 'explanations', 'order', 'prompts', 'id', 'title', 'track', 'unit', 'level', 'concepts', 'summary', 'readingMinutes', 'source', 'hash', 'pageContext', 'pageHash', 'sequencer', 'fileKey'];
const projection = {
  ProjectionExpression: projected.map((_, i) => `#p${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(projected.map((name, i) => [`#p${i}`, name])),
};

/** Everything stored under a lesson's partition except page bodies, in one strongly consistent query. */
export async function readLessonPartition(store: Store, lessonId: string): Promise<PublishedLesson> {
  const found: PublishedLesson = { answerKeys: [], ledger: {}, files: new Map() };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.lessonPartition(lessonId).pk },
        ConsistentRead: true,
        ...projection,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === keys.lessonIds(lessonId).sk) {
        found.ledger = ledgerSchema.parse(item.ledger);
        found.ledgerVersion = typeof item.version === 'number' ? item.version : 0;
      } else if (item.sk === keys.lesson(lessonId).sk) {
        found.meta = { summary: lessonSummarySchema.parse(item), source: String(item.source ?? ''), hash: String(item.hash ?? ''), ...(typeof item.pageHash === 'string' ? { pageHash: item.pageHash } : {}) };
      } else if (item.sk === keys.lessonBody(lessonId).sk) {
        if (typeof item.pageContext === 'string') found.pageContext = item.pageContext;
      } else if (item.type === 'contentFile') {
        found.files.set(String(item.fileKey), String(item.sequencer));
      } else if (item.type === 'answerKey') found.answerKeys.push(stripAnswerKey(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/**
 * The order of an S3 object's events. S3 sequencers of one key compare as hex strings once padded
 * to equal length; the local platform, which has no sequencer, writes unconditionally.
 */
export const normalizeSequencer = (sequencer: string) => sequencer.toUpperCase().padStart(40, '0');

export interface FileVersion {
  key: string;
  sequencer?: string;
  /**
   * A version judged again for another file's sake (a figure it shows changed): written only while
   * the file's applied sequencer is still `applied`, and kept as it is (undefined: none was applied,
   * so the lowest sequencer, which any upload of the file passes).
   */
  rerender?: { applied: string | undefined };
}

const LOWEST_SEQUENCER = '0'.repeat(40);

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The file's sequencer item, written only when this event is newer than the last one applied. */
export function fileVersionWrite(store: Store, partition: { pk: string }, file: FileVersion): TransactItem {
  if (file.rerender) {
    const applied = file.rerender.applied;
    return {
      Put: {
        TableName: store.tableName,
        // Marked, so the file's own event, when it comes, publishes its version again instead of finding it unchanged.
        Item: { ...keys.contentFile(partition, file.key), type: 'contentFile', fileKey: file.key, sequencer: applied ?? LOWEST_SEQUENCER, rerendered: true },
        ...(applied === undefined
          ? { ConditionExpression: 'attribute_not_exists(sequencer)' }
          : { ConditionExpression: 'sequencer = :seq', ExpressionAttributeValues: { ':seq': applied } }),
      },
    };
  }
  const sequencer = file.sequencer === undefined ? undefined : normalizeSequencer(file.sequencer);
  return {
    Put: {
      TableName: store.tableName,
      Item: { ...keys.contentFile(partition, file.key), type: 'contentFile', fileKey: file.key, sequencer: sequencer ?? 'local' },
      ...(sequencer
        ? { ConditionExpression: 'attribute_not_exists(sequencer) OR sequencer < :seq', ExpressionAttributeValues: { ':seq': sequencer } }
        : {}),
    },
  };
}

/** Why a version was not committed; anything else (an item too large, a throttle) is thrown. */
export type CommitOutcome = 'committed' | 'stale' | 'ledger-changed';

/** Runs a transaction whose first item is the file-version guard and whose second (if any) is the ledger. */
export async function commitGuarded(store: Store, items: TransactItem[], ledgerIndex?: number): Promise<CommitOutcome> {
  try {
    await store.doc.send(new TransactWriteCommand({ TransactItems: items }));
    return 'committed';
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'stale';
    if (ledgerIndex !== undefined && reasons?.[ledgerIndex]?.Code === 'ConditionalCheckFailed') return 'ledger-changed';
    throw error;
  }
}

/** The ledger item, written only if nobody changed it since `previous` was read. */
function ledgerWrite(store: Store, lessonId: string, ledger: IdLedger, previous: PublishedLesson): TransactItem {
  const guarded = previous.ledgerVersion === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': previous.ledgerVersion } };
  return {
    Put: {
      TableName: store.tableName,
      Item: { ...keys.lessonIds(lessonId), type: 'lessonIds', lessonId, ledger, version: (previous.ledgerVersion ?? 0) + 1 },
      ...guarded,
    },
  };
}

export interface LessonVersion {
  summary: LessonSummary;
  /** Content key of the source file and its hash: an unchanged file is recognised without writes. */
  source: string;
  hash: string;
  body: string;
  answerKeys: AnswerKey[];
  ledger: IdLedger;
  /** Stored with the lesson so a later ingest can see a cycle formed with this lesson. */
  prerequisites: string[];
}

/** DynamoDB's limit of actions in one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Publishes a lesson version in one transaction: the file's sequencer (newer only), the ledger
 * (unchanged since read), answer keys (removed items' keys deleted, their ids stay retired in the
 * ledger), the body and the catalog summary. All or nothing: the catalog never lists a lesson whose
 * keys are missing, and a failed write leaves no hash behind, so the next sync tries again.
 */
export async function commitLessonVersion(store: Store, version: LessonVersion, previous: PublishedLesson, file: FileVersion): Promise<CommitOutcome> {
  const id = version.summary.id;
  const live = new Set(version.answerKeys.map((k) => k.itemId));
  const items: TransactItem[] = [
    fileVersionWrite(store, keys.lessonPartition(id), file),
    ledgerWrite(store, id, version.ledger, previous),
    ...previous.answerKeys.filter((k) => !live.has(k.itemId)).map((k) => ({ Delete: { TableName: store.tableName, Key: keys.lessonItem(id, k.itemId) } })),
    ...version.answerKeys.map((k) => ({ Put: { TableName: store.tableName, Item: answerKeyItem(id, k) } })),
    {
      Put: {
        TableName: store.tableName,
        Item: { ...keys.lessonBody(id), type: 'lessonBody', lessonId: id, html: version.body, hash: version.hash, ...(previous.pageContext ? { pageContext: previous.pageContext } : {}) },
      },
    },
    {
      Put: {
        TableName: store.tableName,
        // The page's last hash stays: its page exists (so it is invalidated when rewritten).
        Item: { ...keys.lesson(id), ...keys.catalogLesson(version.summary), type: 'lesson', ...version.summary, prerequisites: version.prerequisites, source: version.source, hash: version.hash, ...(previous.meta?.pageHash ? { pageHash: previous.meta.pageHash } : {}) },
      },
    },
  ];
  if (items.length > MAX_TRANSACTION_ITEMS) throw new Error(`the lesson has ${version.answerKeys.length} exercises: at most ${MAX_TRANSACTION_ITEMS - 6} fit in one publish`);
  return commitGuarded(store, items, 1);
}

/** Unpublishes a lesson in one transaction: summary, body and keys go; the ledger stays (ids retired). */
export async function commitLessonRemoval(store: Store, lessonId: string, previous: PublishedLesson, ledger: IdLedger, file: FileVersion): Promise<CommitOutcome> {
  return commitGuarded(
    store,
    [
      fileVersionWrite(store, keys.lessonPartition(lessonId), file),
      ledgerWrite(store, lessonId, ledger, previous),
      { Delete: { TableName: store.tableName, Key: keys.lesson(lessonId) } },
      { Delete: { TableName: store.tableName, Key: keys.lessonBody(lessonId) } },
      ...previous.answerKeys.map((k) => ({ Delete: { TableName: store.tableName, Key: keys.lessonItem(lessonId, k.itemId) } })),
    ],
    1,
  );
}

/** Consistent BatchGet of `requested` (bounded retries in ./batch), all items found. */
async function consistentBatchGet(store: Store, requested: Record<string, unknown>[], extra: BatchGetOptions = {}) {
  const items: Record<string, unknown>[] = [];
  await batchGet(store, requested, (item) => items.push(item), { ConsistentRead: true, ...extra });
  return items;
}

export interface StoredLessonHead {
  id: string;
  source: string;
  hash: string;
  /** Sequencer last applied for the file asked about. */
  sequencer?: string;
  /** The version was last committed by a figure's re-render, not by the file's own event. */
  rerendered?: boolean;
}

/**
 * For the lesson files of one batch: what each file's lesson holds now (source and hash) and the
 * file's last applied sequencer, in BatchGets: the cost depends on the batch, not on the catalog.
 */
export async function readLessonHeads(store: Store, files: { lessonId: string; key: string }[]): Promise<Map<string, StoredLessonHead>> {
  const heads = new Map<string, StoredLessonHead>();
  const wanted = files.flatMap(({ lessonId, key }) => [keys.lesson(lessonId), keys.contentFile(keys.lessonPartition(lessonId), key)]);
  const unique = [...new Map(wanted.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
  const items = await consistentBatchGet(store, unique, {
    ProjectionExpression: 'pk, sk, #id, #source, #hash, sequencer, fileKey, rerendered',
    ExpressionAttributeNames: { '#id': 'id', '#source': 'source', '#hash': 'hash' },
  });
  const metas = new Map<string, Record<string, unknown>>();
  const sequencers = new Map<string, string>();
  const rerendered = new Set<string>();
  for (const item of items) {
    if (item.sk === 'META') metas.set(String(item.pk), item);
    else {
      sequencers.set(`${String(item.pk)}|${String(item.fileKey)}`, String(item.sequencer));
      if (item.rerendered === true) rerendered.add(`${String(item.pk)}|${String(item.fileKey)}`);
    }
  }
  for (const { lessonId, key } of files) {
    const pk = keys.lessonPartition(lessonId).pk;
    const meta = metas.get(pk);
    const sequencer = sequencers.get(`${pk}|${key}`);
    heads.set(key, { id: lessonId, source: String(meta?.source ?? ''), hash: String(meta?.hash ?? ''), ...(sequencer ? { sequencer } : {}), ...(rerendered.has(`${pk}|${key}`) ? { rerendered: true } : {}) });
  }
  return heads;
}

/** Which of these lesson ids are published, and from which file (for validating references). */
export async function readLessonSources(store: Store, lessonIds: string[]): Promise<Map<string, string>> {
  const items = await consistentBatchGet(
    store,
    [...new Set(lessonIds)].map((id) => keys.lesson(id)),
    { ProjectionExpression: '#id, #source', ExpressionAttributeNames: { '#id': 'id', '#source': 'source' } },
  );
  return new Map(items.map((item) => [String(item.id), String(item.source ?? '')]));
}

/** Rendered bodies of several lessons with the content hash each was rendered from. */
export async function getLessonBodies(store: Store, lessonIds: string[]): Promise<Map<string, { html: string; hash: string }>> {
  const items = await consistentBatchGet(store, lessonIds.map((id) => keys.lessonBody(id)));
  return new Map(items.map((item) => [String(item.lessonId), { html: String(item.html), hash: String(item.hash ?? '') }]));
}

/**
 * Records what a lesson's page was rendered from: the context (so that a prose-only edit re-renders
 * it without the catalog) and a hash of body and context (so the catalog-wide pass skips pages that
 * would come out the same). Skipped quietly if the lesson was taken down meanwhile.
 */
export async function recordRenderedPage(store: Store, lessonId: string, rendered: { pageHash: string; pageContext: string }): Promise<void> {
  const update = async (key: Record<string, string>, expression: string, values: Record<string, string>) => {
    try {
      await store.doc.send(
        new UpdateCommand({ TableName: store.tableName, Key: key, UpdateExpression: expression, ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: values }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  };
  await update(keys.lessonBody(lessonId), 'SET pageContext = :c', { ':c': rendered.pageContext });
  await update(keys.lesson(lessonId), 'SET pageHash = :h', { ':h': rendered.pageHash });
}

/**
 * The prerequisites of published lessons (BatchGet by id). A lesson stored before prerequisites
 * were kept reads as having none until its next ingest.
 */
export async function readPrerequisites(store: Store, lessonIds: string[]): Promise<Map<string, string[]>> {
  if (lessonIds.length === 0) return new Map();
  const items = await consistentBatchGet(
    store,
    [...new Set(lessonIds)].map((id) => keys.lesson(id)),
    { ProjectionExpression: '#id, prerequisites', ExpressionAttributeNames: { '#id': 'id' } },
  );
  return new Map(items.map((item) => [String(item.id), Array.isArray(item.prerequisites) ? item.prerequisites.map(String) : []]));
}

/** Published lessons at one place (track, unit, order) with their source file: one query on the catalog index. */
export async function readLessonsAtPlace(store: Store, place: { track: string; unit: string; order: number }): Promise<{ id: string; source: string }[]> {
  const { Items = [] } = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      IndexName: keys.catalogIndex,
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :place)',
      ExpressionAttributeValues: { ':pk': keys.catalogPartition().gsi1pk, ':place': keys.catalogPlacePrefix(place.track, place.unit, place.order) },
      ProjectionExpression: '#id, #source',
      ExpressionAttributeNames: { '#id': 'id', '#source': 'source' },
    }),
  );
  return Items.map((item) => ({ id: String(item.id), source: String(item.source ?? '') }));
}
