import { randomUUID } from 'node:crypto';
import { formatProblem, type Problem } from '../domain/validate';
import { assetManifestFromEnv, type AssetManifest } from '../render';
import type { Store } from '../store/client';
import { startWriting } from '../store/site-state';
import { decide } from './decide';
import { publishFigures, type FigureRead } from './figures';
import type { Log } from './log';
import { invalidationPaths, renderCatalogPass, writePages } from './page-writes';
import { writeTable } from './table-writes';

/**
 * Content ingest, shared by the queue-fed Lambda and the local platform. One batch of content
 * events is one ingest, in four steps that each return what they did:
 * 1. decide (decide.ts): the newest event per file, stale and unchanged ones dropped, bodies read,
 *    each lesson's figures read and checked (figures.ts), then those figures published to the site;
 * 2. table (table-writes.ts): tracks, units, lessons checked and committed, removals;
 * 3. pages (page-writes.ts): removed pages deleted, prose-only edits re-rendered in place, and one
 *    coordinated render pass for whatever changed the catalog;
 * 4. one invalidation of the paths that were cached before.
 * A lesson that fails validation or cannot be stored is not written at all, so its previous
 * version stays live and the next sync tries it again; failures are reported.
 */

export interface SourceObject {
  /** Path relative to the content root, e.g. `security/oauth/authorization-code-pkce.md`. */
  key: string;
  body: string;
  /** S3's event sequencer for this key; absent locally. */
  sequencer?: string;
}

/** One S3 event as ingest sees it: a created object (body read now unless given) or a removed one. */
export type ContentEvent = { kind: 'put'; key: string; sequencer?: string; body?: string } | { kind: 'remove'; key: string; sequencer?: string };

/** Where rendered pages go: the site bucket in AWS, memory or a folder locally. */
export interface SitePublisher {
  put(path: string, body: string, contentType: string): Promise<void>;
  /** A file whose name carries its content hash (a figure): served as immutable for a year. */
  putImmutable(path: string, body: Uint8Array, contentType: string): Promise<void>;
  delete(path: string): Promise<void>;
}

/** The CDN in front of the site: CloudFront in AWS, nothing locally. */
export interface Invalidator {
  invalidate(paths: string[]): Promise<void>;
}

/** The content bucket: its listing (a lesson may refer to files still on their way) and its objects. */
export interface ContentSource {
  /** Absent: nothing is known beyond the batch (tests that hand ingest their files). */
  listKeys?(): Promise<string[]>;
  /** The keys under one prefix (a lesson folder); absent: `listKeys` is filtered. */
  listPrefix?(prefix: string): Promise<string[]>;
  /** The object's current body, or undefined when it is gone. */
  read?(key: string): Promise<string | undefined>;
  /** A figure's size and, unless it is larger than `maxBytes`, its bytes; undefined when it is not there. */
  readFigure?(key: string, maxBytes: number): Promise<FigureRead>;
}

/** The queue that feeds the ingest (SQS in AWS; absent locally). */
export interface IngestQueue {
  /** Events waiting to be delivered (approximate). */
  waiting(): Promise<number>;
  /** Sends a message that renders, if nothing else did, after `delaySeconds`. */
  scheduleRender(delaySeconds: number): Promise<void>;
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
  /**
   * How long a batch that changed the catalog waits for later batches before rendering the
   * catalog-wide pages itself (0: render at once, as locally and in tests).
   */
  settleMs?: number;
  /** A render is never put off for longer than this by a stream of later batches. */
  maxDeferMs?: number;
  /** How long a render pass may hold the lease before another ingest may take over. */
  leaseMs?: number;
  /** With a queue, a batch that finishes while events still wait leaves the render pass to a later batch. */
  queue?: IngestQueue;
  /** This batch was sent to render (a render trigger): render if the catalog is dirty and nobody is writing. */
  renderTrigger?: boolean;
  log?: Log;
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
  /** Keys whose event was older than the version already applied (or whose object is gone again). */
  stale: string[];
  /** Lesson files judged again only because a figure next to them was uploaded or removed. */
  refreshed: string[];
  /** Figures published (site object keys, content-hashed). */
  figures: string[];
  /** Site objects written or deleted. */
  pages: string[];
  /** CDN paths invalidated (one request). */
  invalidated: string[];
  /** Render passes over the catalog this ingest ran; `deferred` when a later batch renders instead. */
  passes: number;
  deferred: boolean;
  failures: IngestFailure[];
  /** Keys that failed for a reason that may pass on retry: the queue delivers their events again. */
  retry: string[];
  skipped: string[];
}

export function failure(key: string, problems: Problem[]): IngestFailure {
  return { key, message: problems.map(formatProblem).join('\n'), problems };
}

/** Calls `load` at most once, on first use. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

export async function ingestBatch(events: ContentEvent[], deps: IngestDeps): Promise<IngestResult> {
  const { store } = deps;
  const token = randomUUID();
  const clock = () => (deps.now ?? (() => new Date()))().getTime();
  const log = deps.log ?? (() => {});
  const source = deps.source;
  // The bucket is listed at most once per batch, and only if a removal or a new reference needs it.
  const listing = once(async () => (source?.listKeys ? new Set(await source.listKeys()) : undefined));
  const read = async (key: string) => (source?.read ? source.read(key) : undefined);

  const listFolder = source?.listPrefix
    ? (prefix: string) => source.listPrefix!(prefix)
    : async (prefix: string) => [...((await listing()) ?? [])].filter((key) => key.startsWith(prefix));
  const decision = await decide(events, { store, listing, listFolder, read, source });
  const settleMs = deps.settleMs ?? 0;
  const changes = decision.groups.length + decision.lessons.length + decision.removals.length;
  // Batches that finish while this one writes leave the catalog-wide pages to it (or to a later one).
  const startedAt = changes > 0 && settleMs > 0 ? clock() : undefined;
  if (startedAt !== undefined) await startWriting(store, token, startedAt);

  // Figures first: a committed lesson's page may name them at once.
  const figures = await publishFigures(decision.lessons, deps.site);
  const table = await writeTable(decision, { store, listing, now: new Date(clock()).toISOString() });
  const pages = await writePages(table, {
    store,
    site: deps.site,
    assets: deps.assets ?? assetManifestFromEnv(),
    token,
    ...(startedAt !== undefined ? { startedAt } : {}),
    settleMs,
    maxDeferMs: deps.maxDeferMs ?? 30_000,
    ...(deps.queue ? { queue: deps.queue } : {}),
    renderTrigger: deps.renderTrigger ?? false,
    leaseMs: deps.leaseMs ?? 120_000,
    clock,
    log,
  });

  const invalidated = invalidationPaths(pages.stale);
  if (invalidated.length > 0 && deps.invalidator) await deps.invalidator.invalidate(invalidated);

  const failures = [...decision.failures, ...table.failures, ...pages.failures];
  if (failures.length > 0) await deps.reporter?.report(failures);
  return {
    lessons: table.published.map((p) => p.id),
    tracks: table.tracks,
    units: table.units,
    removed: table.removed,
    unchanged: decision.unchanged,
    stale: [...decision.stale, ...table.stale],
    refreshed: decision.refreshed,
    figures,
    pages: pages.pages,
    invalidated: deps.invalidator ? invalidated : [],
    passes: pages.passes,
    deferred: pages.deferred,
    failures,
    retry: table.retry,
    skipped: decision.skipped,
  };
}

/** Ingest of files with their bodies and of removed keys (the local platform and tests). */
export function ingest(objects: SourceObject[], deps: IngestDeps, removedKeys: string[] = []): Promise<IngestResult> {
  return ingestBatch(
    [
      ...objects.map((o): ContentEvent => ({ kind: 'put', key: o.key, body: o.body, ...(o.sequencer ? { sequencer: o.sequencer } : {}) })),
      ...removedKeys.map((key): ContentEvent => ({ kind: 'remove', key })),
    ],
    deps,
  );
}

/**
 * Renders every page from what the table holds, for a site that starts empty while the table does
 * not (the local platform on a kept DynamoDB Local folder). Nothing is invalidated.
 */
export async function republishAll(deps: IngestDeps): Promise<{ pages: string[] }> {
  const pass = await renderCatalogPass(
    {
      store: deps.store,
      site: deps.site,
      assets: deps.assets ?? assetManifestFromEnv(),
      token: randomUUID(),
      settleMs: 0,
      maxDeferMs: 0,
      leaseMs: 0,
      clock: () => Date.now(),
      log: deps.log ?? (() => {}),
    },
    undefined,
    true,
  );
  return { pages: pass.pages };
}
