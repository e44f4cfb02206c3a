import { DeleteCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import { assembleCatalog, lessonSummarySchema, type Catalog, trackSchema, unitSchema, type LessonSummary, type Track, type Unit } from '../domain/catalog';
import type { Store } from './client';
import { keys } from './keys';

const catalogItemSchema = z.discriminatedUnion('type', [
  z.extend(trackSchema, { type: z.literal('track') }),
  z.extend(unitSchema, { type: z.literal('unit') }),
  z.extend(lessonSummarySchema, { type: z.literal('lesson'), source: z.optional(z.string()), hash: z.optional(z.string()) }),
]);

async function put(store: Store, item: Record<string, unknown>): Promise<void> {
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: item }));
}

export const putTrack = (store: Store, track: Track) =>
  put(store, { ...keys.track(track.id), ...keys.catalogTrack(track.id), type: 'track', ...track });

export const putUnit = (store: Store, unit: Unit) =>
  put(store, { ...keys.unit(unit.track, unit.id), ...keys.catalogUnit(unit.track, unit.id), type: 'unit', ...unit });

export const deleteTrack = (store: Store, trackId: string) =>
  store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: keys.track(trackId) }));

export const deleteUnit = (store: Store, trackId: string, unitId: string) =>
  store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: keys.unit(trackId, unitId) }));

/** Where a published lesson came from: its content key and the hash of the source it was built from. */
export interface LessonSource {
  source: string;
  hash: string;
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
        if ('source' in fields && fields.source && fields.hash) sources.set(fields.id, { source: fields.source, hash: fields.hash });
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
