import type { GroupMeta } from '../domain/catalog';
import { figureKey, figureType } from '../domain/figures';
import { lessonVersionHash } from '../domain/hashing';
import { limits } from '../domain/limits';
import type { Lesson } from '../domain/lesson';
import { checkGroupMeta, checkLessonFile, classifyKey } from '../domain/validate';
import { figureRefs } from '../render';
import { readGroups, type GroupRef } from '../store/catalog';
import type { Store } from '../store/client';
import { normalizeSequencer, readLessonHeads } from '../store/content';
import { folderOf, loadLessonFigures, type FigureCache, type FigureFile } from './figures';
import { failure, type ContentEvent, type ContentSource, type IngestFailure } from './ingest';

/**
 * Step 1 of an ingest: what a batch of content events changes. Per key only the newest event counts
 * (by S3 sequencer; in arrival order without one); an event no newer than the one last applied to
 * that file is stale; a created object is read now, so the bucket's current body wins; an unchanged
 * body (same content hash as published) costs nothing. Reads are per file of the batch, never the
 * whole catalog. A figure's event re-judges the lessons of its folder that show it (figures.ts).
 */

export interface GroupChange {
  key: string;
  ref: GroupRef;
  /** Undefined: the metadata file was removed. */
  meta?: GroupMeta;
  sequencer?: string;
}

export interface LessonChange {
  key: string;
  body: string;
  lesson: Lesson;
  hash: string;
  sequencer?: string;
  /** The figures it shows, read and checked, to publish before it is committed. */
  figures: FigureFile[];
  /**
   * Judged again because a figure it shows changed, not because of its own event: committed only
   * while the file's applied sequencer is still `applied` (undefined: none applied yet).
   */
  rerender?: { applied: string | undefined };
}

export interface LessonRemoval {
  key: string;
  lessonId: string;
  sequencer?: string;
}

export interface Decision {
  groups: GroupChange[];
  lessons: LessonChange[];
  removals: LessonRemoval[];
  /** Lesson ids whose file had not changed. */
  unchanged: string[];
  /** Keys whose event was older than what was already applied, or whose object is gone again. */
  stale: string[];
  /** Keys that are not content (not a lesson, track or unit file). */
  skipped: string[];
  /** Lesson files judged again only because a figure next to them changed. */
  refreshed: string[];
  failures: IngestFailure[];
}

export interface DecideDeps {
  store: Store;
  /** The bucket's keys, listed at most once per batch (shared with the table step). */
  listing: () => Promise<Set<string> | undefined>;
  /**
   * The bucket's keys under one folder (`track/unit/`): what a figure's event needs, instead of the
   * catalog-sized listing. Absent: the full listing is filtered.
   */
  listFolder?: (prefix: string) => Promise<string[] | undefined>;
  /** Reads a created object as the bucket holds it now; undefined when it is gone. */
  read: (key: string) => Promise<string | undefined>;
  /** Where figures are read (`readFigure`); without it a lesson's figures count as missing. */
  source?: ContentSource;
}

/** A figure file (SVG, PNG, WebP) in the content tree; ingest's own reports never count. */
const isFigureKey = (key: string) => !classifyKey(key) && figureType(key) !== undefined && !key.startsWith('reports/');

/**
 * A figure uploaded or removed changes the lessons next to it that show it: the lesson files of its
 * folder without an event of their own in this batch (that folder's listing, asked for only then;
 * figures sit next to their lessons, never in a subfolder, so the folder is all there is to look at).
 */
async function refreshEvents(latest: ContentEvent[], deps: Pick<DecideDeps, 'listing' | 'listFolder'>): Promise<{ events: ContentEvent[]; figures: Set<string> }> {
  const figures = new Set(latest.filter((e) => isFigureKey(e.key)).map((e) => e.key));
  if (figures.size === 0) return { events: [], figures };
  const folders = new Set([...figures].map(folderOf));
  const inBatch = new Set(latest.map((e) => e.key));
  const listFolder = deps.listFolder;
  const listed = listFolder ? (await Promise.all([...folders].map(async (folder) => (await listFolder(folder)) ?? []))).flat() : [...((await deps.listing()) ?? [])];
  const events = [...new Set(listed)]
    .filter((key) => !inBatch.has(key) && classifyKey(key)?.kind === 'lesson' && folders.has(folderOf(key)))
    .sort()
    .map((key): ContentEvent => ({ kind: 'put', key }));
  return { events, figures };
}

const order = (sequencer: string | undefined) => (sequencer === undefined ? undefined : normalizeSequencer(sequencer));

/** The newest event per key. Events without a sequencer (the local platform) keep arrival order. */
export function newestPerKey(events: ContentEvent[]): ContentEvent[] {
  const newest = new Map<string, ContentEvent>();
  for (const event of events) {
    const seen = newest.get(event.key);
    const a = order(seen?.sequencer);
    const b = order(event.sequencer);
    if (!seen || a === undefined || b === undefined || b >= a) newest.set(event.key, event);
  }
  return [...newest.values()];
}

const isNewer = (sequencer: string | undefined, applied: string | undefined) =>
  sequencer === undefined || applied === undefined || applied === 'local' || normalizeSequencer(sequencer) > applied;

const sameMeta = (a: GroupMeta | undefined, b: GroupMeta) => a !== undefined && a.title === b.title && a.order === b.order && a.description === b.description;

export async function decide(events: ContentEvent[], deps: DecideDeps): Promise<Decision> {
  const decision: Decision = { groups: [], lessons: [], removals: [], unchanged: [], stale: [], skipped: [], refreshed: [], failures: [] };
  const own = newestPerKey(events);
  const refresh = await refreshEvents(own, deps);
  const refreshed = new Set(refresh.events.map((e) => e.key));
  const latest = [...own, ...refresh.events];
  const figureCache: FigureCache = new Map();

  const groupEvents: (ContentEvent & { ref: GroupRef })[] = [];
  const lessonEvents: (ContentEvent & { lessonId: string })[] = [];
  for (const event of latest) {
    const kind = classifyKey(event.key);
    if (!kind) decision.skipped.push(event.key);
    else if (kind.kind === 'track') groupEvents.push({ ...event, ref: { track: kind.track } });
    else if (kind.kind === 'unit') groupEvents.push({ ...event, ref: { track: kind.track, unit: kind.unit } });
    else lessonEvents.push({ ...event, lessonId: kind.name });
  }

  // S3 events arrive in any order: a removed key that is in the bucket again was uploaded since.
  const hasRemovals = own.some((e) => e.kind === 'remove');
  const listed = hasRemovals ? await deps.listing() : undefined;
  const stillThere = (key: string) => listed?.has(key) ?? false;

  const [groups, heads] = await Promise.all([
    groupEvents.length > 0 ? readGroups(deps.store, groupEvents.map((e) => ({ ...e.ref, key: e.key }))) : new Map(),
    lessonEvents.length > 0 ? readLessonHeads(deps.store, lessonEvents.map((e) => ({ lessonId: e.lessonId, key: e.key }))) : new Map(),
  ]);

  for (const event of groupEvents) {
    const stored = groups.get(event.key);
    if (!isNewer(event.sequencer, stored?.sequencer)) {
      decision.stale.push(event.key);
      continue;
    }
    const change = { key: event.key, ref: event.ref, ...(event.sequencer ? { sequencer: event.sequencer } : {}) };
    if (event.kind === 'remove') {
      if (stillThere(event.key)) decision.stale.push(event.key);
      else if (stored?.stored) decision.groups.push(change);
      continue;
    }
    const body = event.body ?? (await deps.read(event.key));
    if (body === undefined) {
      decision.stale.push(event.key);
      continue;
    }
    const { meta, problems } = checkGroupMeta({ key: event.key, body });
    if (!meta) decision.failures.push(failure(event.key, problems));
    else if (!sameMeta(stored?.stored, meta)) decision.groups.push({ ...change, meta });
  }

  for (const event of lessonEvents) {
    const head = heads.get(event.key);
    if (!isNewer(event.sequencer, head?.sequencer)) {
      decision.stale.push(event.key);
      continue;
    }
    const sequencer = event.sequencer ? { sequencer: event.sequencer } : {};
    if (event.kind === 'remove') {
      if (stillThere(event.key)) decision.stale.push(event.key);
      else decision.removals.push({ key: event.key, lessonId: event.lessonId, ...sequencer });
      continue;
    }
    const isRefresh = refreshed.has(event.key);
    if (isRefresh) decision.refreshed.push(event.key);
    const body = event.body ?? (await deps.read(event.key));
    if (body === undefined) {
      // Deleted again before we read it: its ObjectRemoved event follows (or is in this batch).
      decision.stale.push(event.key);
      continue;
    }
    // Over the size limit: rejected for its size below, before any figure is looked for or read.
    const oversize = Buffer.byteLength(body, 'utf8') > limits.fileBytes;
    if (isRefresh && !oversize && !figureRefs(event.key, body).some((ref) => refresh.figures.has(figureKey(event.key, ref.src) ?? ''))) {
      // It does not show the figure that changed: nothing to do.
      decision.unchanged.push(event.lessonId);
      continue;
    }
    const figures = oversize ? { names: [], problems: [], figures: [] } : await loadLessonFigures(event.key, body, deps.source, figureCache);
    // The hash covers the key, the source and its figures' names, so an unchanged file is recognised before parsing.
    const hash = lessonVersionHash(event.key, body, figures.names);
    // A version a figure's re-render committed before this file's own event came is published again
    // by that event: the upload is then judged live (not unchanged), under its own sequencer.
    const ownAfterRerender = !isRefresh && head?.rerendered === true;
    if (head?.source === event.key && head.hash === hash && !ownAfterRerender) {
      decision.unchanged.push(event.lessonId);
      continue;
    }
    const { lesson, problems } = checkLessonFile({ key: event.key, body });
    const all = [...problems, ...figures.problems];
    if (!lesson || all.length > 0) decision.failures.push(failure(event.key, all));
    else decision.lessons.push({ key: event.key, body, lesson, hash, ...sequencer, figures: figures.figures, ...(isRefresh ? { rerender: { applied: head?.sequencer } } : {}) });
  }
  return decision;
}

/**
 * Whether the table already holds exactly this body of this file (same content hash, or same
 * metadata): a retried or redelivered batch whose event was applied before finds it stale, and its
 * verdict is rewritten only when the bucket still holds what was applied.
 */
export async function tableHolds(store: Store, key: string, body: string, source?: ContentSource): Promise<boolean> {
  const kind = classifyKey(key);
  if (!kind) return false;
  if (kind.kind === 'lesson') {
    const head = (await readLessonHeads(store, [{ lessonId: kind.name, key }])).get(key);
    const { names } = await loadLessonFigures(key, body, source, new Map());
    return head?.source === key && head.hash === lessonVersionHash(key, body, names);
  }
  const ref: GroupRef = kind.kind === 'track' ? { track: kind.track } : { track: kind.track, unit: kind.unit };
  const { meta } = checkGroupMeta({ key, body });
  const stored = (await readGroups(store, [{ ...ref, key }])).get(key)?.stored;
  return meta !== undefined && sameMeta(stored, meta);
}
