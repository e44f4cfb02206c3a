import { answerKeys } from '../domain/answer-key';
import type { Catalog, GroupMeta, LessonSummary } from '../domain/catalog';
import { assembleCatalog } from '../domain/catalog';
import { conceptIndex } from '../domain/concepts';
import { lessonHash } from '../domain/hashing';
import { nextLedger } from '../domain/item-ids';
import type { Lesson } from '../domain/lesson';
import {
  assetManifestFromEnv,
  catalogJson,
  catalogPageKeys,
  catalogPagePaths,
  lessonPagePath,
  lessonPath,
  lessonSummary,
  pageContext,
  pagePaths,
  renderConceptIndexPage,
  renderHomePage,
  renderLessonBody,
  renderLessonPageFromBody,
  type AssetManifest,
} from '../render';
import {
  checkGroupMeta,
  checkLessonFile,
  checkLessonIds,
  checkLessonInContext,
  checkRenderedLesson,
  classifyKey,
  formatProblem,
  type CatalogContext,
  type Problem,
} from '../domain/validate';
import { deleteTrack, deleteUnit, listCatalog, putTrack, putUnit } from '../store/catalog';
import type { Store } from '../store/client';
import { deleteLessonVersion, getLessonBodies, putConceptIndex, readLessonPartition, writeLessonVersion } from '../store/content';
import { forEachLimited } from './concurrency';

/**
 * Content ingest, shared by the S3-triggered Lambda and the local platform. For a batch of created
 * and removed content files it validates each changed lesson against the published catalog,
 * publishes the ones that pass (table first, then pages), re-renders every page whose surroundings
 * changed (previous/next, "appears again in", home, concept index), and invalidates those paths
 * that were cached before. A lesson that fails validation is not written at all, so its previous version stays live.
 * An unchanged file (same content hash) costs no writes.
 */

export interface SourceObject {
  /** Path relative to the content root, e.g. `security/oauth/authorization-code-pkce.md`. */
  key: string;
  body: string;
}

/** Where rendered pages go: the site bucket in AWS, memory or a folder locally. */
export interface SitePublisher {
  put(path: string, body: string, contentType: string): Promise<void>;
  delete(path: string): Promise<void>;
}

/** The CDN in front of the site: CloudFront in AWS, nothing locally. */
export interface Invalidator {
  invalidate(paths: string[]): Promise<void>;
}

/** The content files that exist right now (the bucket listing): lets a lesson refer to files still on their way. */
export interface ContentSource {
  listKeys(): Promise<string[]>;
}

export interface IngestFailure {
  key: string;
  /** Every problem, one `file:line:col message` per line. */
  message: string;
  problems: Problem[];
}

/** Where a failure report goes: JSON under `reports/` in the content bucket, a log line and a metric in AWS. */
export interface FailureReporter {
  report(failures: IngestFailure[]): Promise<void>;
}

export interface IngestDeps {
  store: Store;
  site: SitePublisher;
  invalidator?: Invalidator;
  source?: ContentSource;
  reporter?: FailureReporter;
  now?: () => Date;
  /** Hashed asset names pages link; default from `SITE_ASSETS` (set by the stack from the site build). */
  assets?: AssetManifest;
}

export interface IngestResult {
  /** Lessons published or updated. */
  lessons: string[];
  tracks: string[];
  units: string[];
  /** Lessons taken down because their file was removed. */
  removed: string[];
  /** Lessons whose source had not changed: nothing written. */
  unchanged: string[];
  /** Site objects written or deleted. */
  pages: string[];
  /** CDN paths invalidated. */
  invalidated: string[];
  failures: IngestFailure[];
  skipped: string[];
}

const WRITE_CONCURRENCY = 8;

const htmlType = 'text/html; charset=utf-8';

const sameMeta = (a: GroupMeta | undefined, b: GroupMeta) => a !== undefined && a.title === b.title && a.order === b.order && a.description === b.description;

function failure(key: string, problems: Problem[]): IngestFailure {
  return { key, message: problems.map(formatProblem).join('\n'), problems };
}

/** Builds what a changed lesson may refer to: the published catalog, this batch, and files still arriving. */
async function buildContext(
  published: { tracks: Set<string>; units: Set<string>; sources: Map<string, { source: string }> },
  batch: { key: string; lesson: Lesson }[],
  removedKeys: Set<string>,
  source: ContentSource | undefined,
): Promise<CatalogContext> {
  const listed = source ? new Set(await source.listKeys()) : undefined;
  const context: CatalogContext = { lessons: new Map(), tracks: new Set(published.tracks), units: new Set(published.units) };
  for (const [id, { source: key }] of published.sources) {
    // A file that is gone from the bucket (moved or deleted) no longer owns its id.
    if (!removedKeys.has(key) && (!listed || listed.has(key))) context.lessons.set(id, key);
  }
  for (const key of listed ?? []) {
    const kind = classifyKey(key);
    if (kind?.kind === 'track') context.tracks.add(kind.track);
    else if (kind?.kind === 'unit') context.units.add(`${kind.track}/${kind.unit}`);
    // File name = lesson id (the validator enforces it), so files not yet ingested count as known.
    else if (kind?.kind === 'lesson' && kind.track && !context.lessons.has(kind.name)) context.lessons.set(kind.name, key);
  }
  for (const { key, lesson } of batch) if (!context.lessons.has(lesson.meta.id)) context.lessons.set(lesson.meta.id, key);
  return context;
}

type Listed = Awaited<ReturnType<typeof listCatalog>>;

/** Step 1: track and unit files, written only when their fields differ from what is stored. */
async function applyMetadata(objects: SourceObject[], removedKeys: string[], before: Listed, store: Store, result: IngestResult) {
  const tracks = new Map(before.tracks.map((t) => [t.id, t]));
  const units = new Map(before.units.map((u) => [`${u.track}/${u.id}`, u]));
  let changed = false;
  for (const object of objects) {
    const kind = classifyKey(object.key);
    if (kind?.kind !== 'track' && kind?.kind !== 'unit') continue;
    const { meta, problems } = checkGroupMeta(object);
    if (!meta) {
      result.failures.push(failure(object.key, problems));
    } else if (kind.kind === 'track') {
      if (!sameMeta(tracks.get(kind.track), meta)) {
        await putTrack(store, { id: kind.track, ...meta });
        changed = true;
      }
      tracks.set(kind.track, { id: kind.track, ...meta });
      result.tracks.push(kind.track);
    } else {
      const id = `${kind.track}/${kind.unit}`;
      if (!sameMeta(units.get(id), meta)) {
        await putUnit(store, { id: kind.unit, track: kind.track, ...meta });
        changed = true;
      }
      units.set(id, { id: kind.unit, track: kind.track, ...meta });
      result.units.push(id);
    }
  }
  for (const key of removedKeys) {
    const kind = classifyKey(key);
    if (kind?.kind === 'track' && tracks.delete(kind.track)) await deleteTrack(store, kind.track);
    else if (kind?.kind === 'unit' && units.delete(`${kind.track}/${kind.unit}`)) await deleteUnit(store, kind.track, kind.unit);
    else continue;
    changed = true;
  }
  return { changed, tracks: new Set(tracks.keys()), units: new Set(units.keys()) };
}

/** Step 2: lesson files that changed (by content hash) and parse; the unchanged cost nothing. */
function changedLessons(objects: SourceObject[], before: Listed, result: IngestResult) {
  const candidates: { object: SourceObject; lesson: Lesson; hash: string }[] = [];
  const publishedByKey = new Map([...before.sources].map(([id, { source }]) => [source, id]));
  for (const object of objects) {
    const kind = classifyKey(object.key);
    if (!kind) {
      result.skipped.push(object.key);
      continue;
    }
    if (kind.kind !== 'lesson') continue;
    // The hash covers the key and the source, so an unchanged file is recognised before parsing.
    const hash = lessonHash(object.key, object.body);
    const publishedId = publishedByKey.get(object.key);
    if (publishedId && before.sources.get(publishedId)?.hash === hash) {
      result.unchanged.push(publishedId);
      continue;
    }
    const { lesson, problems } = checkLessonFile(object);
    if (!lesson || problems.length > 0) result.failures.push(failure(object.key, problems));
    else candidates.push({ object, lesson, hash });
  }
  return candidates;
}

const emptyResult = (): IngestResult => ({ lessons: [], tracks: [], units: [], removed: [], unchanged: [], pages: [], invalidated: [], failures: [], skipped: [] });

export async function ingest(objects: SourceObject[], deps: IngestDeps, removedKeys: string[] = []): Promise<IngestResult> {
  const { store } = deps;
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const result = emptyResult();
  if (removedKeys.length > 0 && deps.source) {
    // S3 events arrive in any order: a key deleted and uploaded again is in the bucket, so it stays.
    const listed = new Set(await deps.source.listKeys());
    removedKeys = removedKeys.filter((key) => !listed.has(key));
  }

  const before = await listCatalog(store);
  const metadata = await applyMetadata(objects, removedKeys, before, store, result);
  const candidates = changedLessons(objects, before, result);

  // Step 3: check each changed lesson against the catalog and its id ledger; publish those that pass.
  const removedLessonKeys = new Set(removedKeys.filter((key) => classifyKey(key)?.kind === 'lesson'));
  if (candidates.length > 0) {
    const context = await buildContext(
      { tracks: metadata.tracks, units: metadata.units, sources: before.sources },
      candidates.map((c) => ({ key: c.object.key, lesson: c.lesson })),
      removedLessonKeys,
      deps.source,
    );
    // Lessons are independent of each other here (the context is fixed), so a few are written at once.
    await forEachLimited(candidates, WRITE_CONCURRENCY, async ({ object, lesson, hash }) => {
      const previous = await readLessonPartition(store, lesson.meta.id);
      const rendered = checkRenderedLesson(object, lesson, renderLessonBody);
      const problems = [...checkLessonInContext(object, lesson, context), ...checkLessonIds(object, lesson, previous.ledger), ...rendered.problems];
      if (problems.length > 0 || rendered.body === undefined) {
        result.failures.push(failure(object.key, problems));
        return;
      }
      await writeLessonVersion(
        store,
        { summary: lessonSummary(lesson), source: object.key, hash, body: rendered.body, answerKeys: answerKeys(lesson), ledger: nextLedger(previous.ledger, lesson, now) },
        previous,
      );
      result.lessons.push(lesson.meta.id);
    });
    result.lessons.sort();
  }

  // Step 4: removed lesson files take the lesson down, unless it now lives at another key (a move).
  for (const [id, { source }] of before.sources) {
    if (!removedLessonKeys.has(source) || result.lessons.includes(id)) continue;
    const previous = await readLessonPartition(store, id);
    await deleteLessonVersion(store, id, previous, nextLedger(previous.ledger, undefined, now));
    result.removed.push(id);
  }

  if (result.failures.length > 0) await deps.reporter?.report(result.failures);
  if (metadata.changed || result.lessons.length > 0 || result.removed.length > 0) await publishPages(before, deps, result);
  return result;
}

/**
 * Renders every page from what the table holds, for a site that starts empty while the table does
 * not (the local platform on a kept DynamoDB Local folder). Nothing is invalidated.
 */
export async function republishAll(deps: IngestDeps): Promise<IngestResult> {
  const result = emptyResult();
  const nothing: Listed = { tracks: [], units: [], lessons: [], sources: new Map() };
  await publishPages(nothing, { ...deps, invalidator: undefined }, result);
  return result;
}

/** The pages that show the whole catalog: home, catalog.json and the concept index. */
async function putCatalogPages(site: SitePublisher, catalog: Catalog, assets: IngestDeps['assets']): Promise<void> {
  await site.put(catalogPageKeys.home, renderHomePage(catalog, assets), htmlType);
  await site.put(catalogPageKeys.catalog, catalogJson(catalog), 'application/json');
  await site.put(catalogPageKeys.concepts, renderConceptIndexPage(catalog, assets), htmlType);
}

/**
 * Step 5: pages. The changed lessons, every lesson whose surroundings changed, and the catalog-wide
 * pages when the catalog they show changed; then one invalidation for what was cached before.
 */
async function publishPages(before: Listed, deps: IngestDeps, result: IngestResult): Promise<void> {
  const { store, site } = deps;
  const assets = deps.assets ?? assetManifestFromEnv();
  const after = await listCatalog(store);
  const oldCatalog = assembleCatalog(before.tracks, before.units, before.lessons);
  const newCatalog = assembleCatalog(after.tracks, after.units, after.lessons);
  const affected = affectedLessons(oldCatalog, newCatalog, after.lessons, new Set(result.lessons));
  const bodies = await getLessonBodies(store, affected.map((l) => l.id));
  const invalidate: string[] = [];
  const wasPublished = new Set(before.lessons.map((l) => l.id));
  for (const summary of affected) {
    const body = bodies.get(summary.id);
    if (body === undefined) continue;
    const path = lessonPagePath(summary.id);
    await site.put(path, renderLessonPageFromBody(summary, body, newCatalog, assets), htmlType);
    result.pages.push(path);
    // A brand-new page has nothing cached to invalidate (invalidation paths cost money past 1000 a month).
    if (wasPublished.has(summary.id)) invalidate.push(...pagePaths(lessonPath(summary.id)));
  }
  for (const id of result.removed) {
    await site.delete(lessonPagePath(id));
    result.pages.push(lessonPagePath(id));
    invalidate.push(...pagePaths(lessonPath(id)));
  }

  if (catalogJson(oldCatalog) !== catalogJson(newCatalog)) {
    const concepts = conceptIndex(newCatalog);
    if (JSON.stringify(concepts) !== JSON.stringify(conceptIndex(oldCatalog))) await putConceptIndex(store, concepts);
    let shown = newCatalog;
    await putCatalogPages(site, shown, assets);
    // S3 runs one ingest per object, several at once: a lesson published by another run between our
    // read and our writes would be missing from what we just wrote, so check once more and rewrite.
    const latest = await listCatalog(store);
    const latestCatalog = assembleCatalog(latest.tracks, latest.units, latest.lessons);
    if (catalogJson(latestCatalog) !== catalogJson(shown)) {
      shown = latestCatalog;
      await putCatalogPages(site, shown, assets);
    }
    result.pages.push(...Object.values(catalogPageKeys));
    invalidate.push(...catalogPagePaths());
  }

  if (invalidate.length > 0 && deps.invalidator) {
    await deps.invalidator.invalidate(invalidate);
    result.invalidated = invalidate;
  }
}

/** Lessons whose page must be rebuilt: those just published, and those whose context differs. */
function affectedLessons(before: Catalog, after: Catalog, lessons: LessonSummary[], changed: Set<string>): LessonSummary[] {
  return lessons.filter((summary) => {
    if (changed.has(summary.id)) return true;
    const old = before.tracks.some((t) => t.units.some((u) => u.lessons.some((l) => l.id === summary.id)));
    return !old || JSON.stringify(pageContext(before, summary)) !== JSON.stringify(pageContext(after, summary));
  });
}
