import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import { assembleCatalog, lessonSummarySchema, type Catalog, trackSchema, unitSchema, type LessonSummary, type Track, type Unit } from '../domain/catalog';
import { batchGet } from './batch';
import type { Store } from './client';
import { commitGuarded, type CommitOutcome, type FileVersion, fileVersionWrite } from './content';
import * as keys from './keys';

const catalogItemSchema = z.discriminatedUnion('type', [
  z.extend(trackSchema, { type: z.literal('track') }),
  z.extend(unitSchema, { type: z.literal('unit') }),
  z.extend(lessonSummarySchema, { type: z.literal('lesson'), source: z.optional(z.string()), hash: z.optional(z.string()), pageHash: z.optional(z.string()) }),
]);

/** A track (`unit` undefined) or unit, identified as its metadata file names it. */
export interface GroupRef {
  track: string;
  unit?: string;
}
const groupKey = (ref: GroupRef) => (ref.unit === undefined ? keys.track(ref.track) : keys.unit(ref.track, ref.unit));

/**
 * Writes (or, with `group` undefined, deletes) a track or unit together with its file's sequencer:
 * an older event of the same metadata file changes nothing.
 */
export function commitGroup(store: Store, ref: GroupRef, group: Track | Unit | undefined, file: FileVersion): Promise<CommitOutcome> {
  const key = groupKey(ref);
  const write = group
    ? {
        Put: {
          TableName: store.tableName,
          Item: ref.unit === undefined
            ? { ...key, ...keys.catalogTrack(ref.track), type: 'track', ...group }
            : { ...key, ...keys.catalogUnit(ref.track, ref.unit), type: 'unit', ...group },
        },
      }
    : { Delete: { TableName: store.tableName, Key: key } };
  return commitGuarded(store, [fileVersionWrite(store, key, file), write]);
}

/** The stored tracks and units named, and the last sequencer applied for each file (one BatchGet). */
export async function readGroups(store: Store, refs: (GroupRef & { key: string })[]): Promise<Map<string, { stored?: Track | Unit; sequencer?: string }>> {
  const wanted = refs.flatMap((ref) => [groupKey(ref), keys.contentFile(groupKey(ref), ref.key)]);
  const unique = [...new Map(wanted.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
  const items: Record<string, unknown>[] = [];
  await batchGet(store, unique, (item) => items.push(item), { ConsistentRead: true });
  const byKey = new Map(items.map((item) => [`${String(item.pk)}|${String(item.sk)}`, item]));
  const found = new Map<string, { stored?: Track | Unit; sequencer?: string }>();
  for (const ref of refs) {
    const meta = byKey.get(`${groupKey(ref).pk}|META`);
    const file = byKey.get(`${groupKey(ref).pk}|${keys.contentFile(groupKey(ref), ref.key).sk}`);
    found.set(ref.key, {
      ...(meta ? { stored: ref.unit === undefined ? trackSchema.parse(meta) : unitSchema.parse(meta) } : {}),
      ...(file ? { sequencer: String(file.sequencer) } : {}),
    });
  }
  return found;
}

/** Where a published lesson came from: its content key, the hash of its source and of its last rendered page. */
export interface LessonSource {
  source: string;
  hash: string;
  pageHash?: string;
}

/** Every track, unit and lesson summary, read from the catalog index (never a scan). */
export async function listCatalog(
  store: Store,
): Promise<{ tracks: Track[]; units: Unit[]; lessons: LessonSummary[]; sources: Map<string, LessonSource> }> {
  const tracks: Track[] = [];
  const units: Unit[] = [];
  const lessons: LessonSummary[] = [];
  const sources = new Map<string, LessonSource>();
  const pages = paginateQuery(
    { client: store.doc },
    {
      TableName: store.tableName,
      IndexName: keys.catalogIndex,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.catalogPartition().gsi1pk },
    },
  );
  for await (const page of pages) {
    for (const raw of page.Items ?? []) {
      const item = catalogItemSchema.parse(raw);
      const { type, ...fields } = item;
      if (type === 'track') tracks.push(trackSchema.parse(fields));
      else if (type === 'unit') units.push(unitSchema.parse(fields));
      else {
        lessons.push(lessonSummarySchema.parse(fields));
        if ('source' in fields && fields.source && fields.hash) {
          sources.set(fields.id, { source: fields.source, hash: fields.hash, ...(fields.pageHash ? { pageHash: fields.pageHash } : {}) });
        }
      }
    }
  }
  return { tracks, units, lessons, sources };
}

/** The assembled catalog: tracks → units → lessons. */
export async function readCatalog(store: Store): Promise<Catalog> {
  const { tracks, units, lessons } = await listCatalog(store);
  return assembleCatalog(tracks, units, lessons);
}
