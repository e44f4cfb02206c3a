import { assembleCatalog, type LessonSummary } from '../domain/catalog';
import { digest } from '../domain/hashing';
import {
  allPageContexts,
  catalogJson,
  catalogPageKeys,
  catalogPagePaths,
  lessonPagePath,
  lessonPath,
  pagePaths,
  renderConceptIndexPage,
  renderHomePage,
  renderLessonPageInContext,
  type AssetManifest,
  type PageContext,
} from '../render';
import { listCatalog } from '../store/catalog';
import type { Store } from '../store/client';
import { getLessonBodies, recordRenderedPage } from '../store/content';
import { abandonRenderLease, acquireRenderLease, finishWriting, readSiteState, recordCatalogHash, releaseRenderLease } from '../store/site-state';
import { forEachLimited } from './concurrency';
import { failure, type IngestFailure, type IngestQueue, type SitePublisher } from './ingest';
import type { Log } from './log';
import type { TableOutcome } from './table-writes';

/**
 * Step 3 of an ingest: pages. Three kinds of work, each returning what it wrote and which CDN
 * paths it made stale:
 * - pages of removed lessons are deleted (after the pass, so no page links them once they are gone);
 * - a lesson whose edit leaves the catalog as it was (same summary) is re-rendered at once with the
 *   context its page was last rendered with: no catalog read, so its cost does not grow with the catalog;
 * - anything else changed the catalog, so its neighbours and the catalog-wide pages must follow. That
 *   is one render pass over the whole catalog, coordinated through the site state so that a burst
 *   of batches (a first publish) renders each page once: each batch registers while it writes,
 *   waits `settleMs` when done, and renders only if no other batch is still writing (bounded by
 *   `maxDeferMs`); one pass at a time holds a lease, and a pass re-runs while batches committed during it.
 * A pass renders only pages whose body or context changed (a hash per page), and the catalog-wide
 * pages only when the catalog did; a page that fails to render is reported, the others go on, and
 * the catalog-wide pages are always written last.
 */

export interface PageDeps {
  store: Store;
  site: SitePublisher;
  assets: AssetManifest | undefined;
  /** This ingest's token in the site state. */
  token: string;
  /** When this ingest registered as writing (only with a settle window). */
  startedAt?: number;
  queue?: IngestQueue;
  renderTrigger?: boolean;
  settleMs: number;
  maxDeferMs: number;
  leaseMs: number;
  clock: () => number;
  log: Log;
}

export interface PageOutcome {
  /** Site objects written or deleted. */
  pages: string[];
  /** CDN paths now stale: those of pages that existed before. */
  stale: string[];
  /** Render passes this ingest ran (0 when it left the catalog-wide pages to a later one). */
  passes: number;
  deferred: boolean;
  failures: IngestFailure[];
}

const htmlType = 'text/html; charset=utf-8';
/** A pass that keeps seeing new writes gives up after this many and leaves the state dirty for the next ingest. */
const MAX_PASSES = 4;
const PAGE_CONCURRENCY = 8;

const summaryFields = (s: LessonSummary) => JSON.stringify([s.id, s.title, s.track, s.unit, s.order, s.level, s.concepts, s.summary, s.readingMinutes]);

/** What a lesson page is built from: its body, its context and the asset names it links. */
const pageHash = (bodyHash: string, contextJson: string, assets: AssetManifest | undefined) => digest(`${bodyHash}\n${contextJson}\n${JSON.stringify(assets ?? {})}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function putLessonPage(deps: PageDeps, id: string, context: PageContext, body: { html: string; hash: string }): Promise<string> {
  const contextJson = JSON.stringify(context);
  const path = lessonPagePath(id);
  await deps.site.put(path, renderLessonPageInContext(context, body.html, deps.assets), htmlType);
  await recordRenderedPage(deps.store, id, { pageContext: contextJson, pageHash: pageHash(body.hash, contextJson, deps.assets) });
  return path;
}

/** Deletes the pages of removed lessons. */
async function deleteRemovedPages(removed: string[], site: SitePublisher): Promise<{ pages: string[]; stale: string[] }> {
  const pages: string[] = [];
  for (const id of removed) {
    await site.delete(lessonPagePath(id));
    pages.push(lessonPagePath(id));
  }
  return { pages, stale: removed.flatMap((id) => pagePaths(lessonPath(id))) };
}

/** Lessons whose edit left their summary as it was: their page, with the context it had. */
async function renderInPlace(table: TableOutcome, deps: PageDeps): Promise<{ pages: string[]; stale: string[]; failures: IngestFailure[] }> {
  const result = { pages: [] as string[], stale: [] as string[], failures: [] as IngestFailure[] };
  for (const version of table.published) {
    if (!version.previous || !version.pageContext || summaryFields(version.previous) !== summaryFields(version.summary)) continue;
    try {
      const context = { ...(JSON.parse(version.pageContext) as PageContext), lesson: version.summary };
      result.pages.push(await putLessonPage(deps, version.id, context, { html: version.body, hash: version.hash }));
      result.stale.push(...pagePaths(lessonPath(version.id)));
    } catch (error) {
      result.failures.push(failure(version.id, [{ file: version.id, line: 1, column: 1, message: `page could not be rendered: ${error instanceof Error ? error.message : String(error)}` }]));
    }
  }
  return result;
}

/**
 * One pass over the whole catalog: pages whose body or context changed, then the catalog-wide pages
 * if the catalog did (with `everything`, every page: a site that starts empty).
 */
export async function renderCatalogPass(deps: PageDeps, previousCatalogHash: string | undefined, everything = false): Promise<{ pages: string[]; stale: string[]; failures: IngestFailure[]; catalogHash: string }> {
  const listed = await listCatalog(deps.store);
  const catalog = assembleCatalog(listed.tracks, listed.units, listed.lessons);
  const contexts = allPageContexts(catalog);
  const due: { id: string; context: PageContext; existed: boolean }[] = [];
  for (const [id, context] of contexts) {
    const source = listed.sources.get(id);
    if (everything || !source || source.pageHash !== pageHash(source.hash, JSON.stringify(context), deps.assets)) due.push({ id, context, existed: source?.pageHash !== undefined });
  }
  const pages: string[] = [];
  const stale: string[] = [];
  const failures: IngestFailure[] = [];
  for (let i = 0; i < due.length; i += 100) {
    const chunk = due.slice(i, i + 100);
    const bodies = await getLessonBodies(deps.store, chunk.map((d) => d.id));
    // A few pages at once; results kept in catalog order. Each page records its hash as it is
    // written, so a pass cut short (a timeout) resumes where it stopped.
    const written: ({ page: string; stale: string[] } | { failure: IngestFailure } | undefined)[] = new Array(chunk.length);
    await forEachLimited(chunk.map((d, index) => ({ ...d, index })), PAGE_CONCURRENCY, async ({ id, context, existed, index }) => {
      const body = bodies.get(id);
      if (!body) return;
      try {
        const page = await putLessonPage(deps, id, context, body);
        // A page published for the first time has nothing cached to invalidate.
        written[index] = { page, stale: existed ? pagePaths(lessonPath(id)) : [] };
      } catch (error) {
        written[index] = { failure: failure(id, [{ file: id, line: 1, column: 1, message: `page could not be rendered: ${error instanceof Error ? error.message : String(error)}` }]) };
      }
    });
    for (const entry of written) {
      if (!entry) continue;
      if ('failure' in entry) failures.push(entry.failure);
      else {
        pages.push(entry.page);
        stale.push(...entry.stale);
      }
    }
  }
  const json = catalogJson(catalog);
  const catalogHash = digest(`${json}\n${JSON.stringify(deps.assets ?? {})}`);
  if (everything || catalogHash !== previousCatalogHash) {
    await deps.site.put(catalogPageKeys.home, renderHomePage(catalog, deps.assets), htmlType);
    await deps.site.put(catalogPageKeys.catalog, json, 'application/json');
    await deps.site.put(catalogPageKeys.concepts, renderConceptIndexPage(catalog, deps.assets), htmlType);
    pages.push(...Object.values(catalogPageKeys));
    stale.push(...catalogPagePaths());
  }
  return { pages, stale, failures, catalogHash };
}

/**
 * Marks the catalog dirty (if this ingest changed it) and runs render passes under the lease until
 * a pass saw every write, unless another ingest is still writing (the last one to finish renders),
 * or a live pass holds the lease (it runs again for what it missed).
 */
async function coordinateCatalogPages(catalogChanged: boolean, deps: PageDeps): Promise<{ pages: string[]; stale: string[]; failures: IngestFailure[]; passes: number; deferred: boolean }> {
  const none = { pages: [], stale: [], failures: [], passes: 0 };
  const { store, token } = deps;
  await finishWriting(store, token, deps.clock(), deps.startedAt, catalogChanged);
  let state = await readSiteState(store);
  if (state.dirty === undefined) return { ...none, deferred: false };
  if (!catalogChanged && deps.startedAt === undefined && !deps.renderTrigger) {
    // Nothing of ours to show: take over only a dirty state nobody is about to render (a crashed pass).
    const abandoned = (state.leaseUntil ?? 0) < deps.clock() && deps.clock() - (state.dirtySince ?? 0) > deps.settleMs + deps.leaseMs;
    if (!abandoned) return { ...none, deferred: false };
  }
  if (deps.settleMs > 0) {
    await sleep(deps.settleMs);
    state = await readSiteState(store);
    const now = deps.clock();
    const othersWriting = state.inflight.filter((entry) => entry.token !== token && now - entry.startedAt < deps.maxDeferMs);
    const putOffTooLong = now - (state.dirtySince ?? now) >= deps.maxDeferMs;
    if (!putOffTooLong) {
      if (othersWriting.length > 0) return { ...none, deferred: true };
      // Events still queued will come as a later batch, which renders; a delayed trigger makes
      // sure a render follows even if the count was stale (then it renders past maxDeferMs).
      if (deps.queue && (await deps.queue.waiting()) > 0) {
        await deps.queue.scheduleRender(deps.maxDeferMs / 1000 + 1);
        return { ...none, deferred: true };
      }
    }
  }
  if (!(await acquireRenderLease(store, token, deps.clock(), deps.leaseMs))) return { ...none, deferred: true };

  const done = { pages: [] as string[], stale: [] as string[], failures: [] as IngestFailure[], passes: 0, deferred: false };
  let released = false;
  try {
    while (!released && done.passes < MAX_PASSES) {
      // Read the state before the catalog: a touch after this read means writes this pass may miss.
      const seen = await readSiteState(store);
      const pass = await renderCatalogPass(deps, seen.catalogHash);
      done.passes++;
      done.pages.push(...pass.pages);
      done.stale.push(...pass.stale);
      done.failures.push(...pass.failures);
      await recordCatalogHash(store, token, pass.catalogHash);
      released = await releaseRenderLease(store, token, seen.dirty);
    }
  } finally {
    if (!released) await abandonRenderLease(store, token);
  }
  if (!released) deps.log({ level: 'WARN', message: 'render passes kept seeing new writes; the next ingest renders', passes: done.passes });
  return done;
}

/** Whether the table writes changed what the catalog shows (and so the neighbours' and catalog-wide pages). */
export const catalogChanged = (table: TableOutcome) =>
  table.tracks.length > 0 ||
  table.units.length > 0 ||
  table.removed.length > 0 ||
  table.published.some((v) => !v.previous || !v.pageContext || summaryFields(v.previous) !== summaryFields(v.summary));

export async function writePages(table: TableOutcome, deps: PageDeps): Promise<PageOutcome> {
  // When the batch changed the catalog, the pass renders its prose edits too: each page once per batch.
  const changed = catalogChanged(table);
  const inPlace = changed ? { pages: [], stale: [], failures: [] } : await renderInPlace(table, deps);
  const catalog = await coordinateCatalogPages(changed, deps);
  // Last, so that the pages linking a removed lesson stop linking it before it answers 404.
  const removed = await deleteRemovedPages(table.removed, deps.site);
  // A page rendered in place and again by the pass is one page.
  return {
    pages: [...new Set([...removed.pages, ...inPlace.pages, ...catalog.pages])],
    stale: [...new Set([...removed.stale, ...inPlace.stale, ...catalog.stale])],
    passes: catalog.passes,
    deferred: catalog.deferred,
    failures: [...inPlace.failures, ...catalog.failures],
  };
}

/**
 * Step 4: one invalidation per ingest, within CloudFront's limits (3,000 exact paths in progress
 * per distribution, 15 wildcard paths): past `exactLimit` exact paths, the lesson pages go as one
 * wildcard `/lessons/*` (billed as one path) and the catalog-wide paths stay exact.
 */
export const EXACT_PATH_LIMIT = 1000;

export function invalidationPaths(stale: string[], exactLimit = EXACT_PATH_LIMIT): string[] {
  const unique = [...new Set(stale)];
  if (unique.length <= exactLimit) return unique;
  const lessonPrefix = lessonPath('').replace(/\/+$/, '/');
  return [`${lessonPrefix}*`, ...unique.filter((p) => !p.startsWith(lessonPrefix))];
}
