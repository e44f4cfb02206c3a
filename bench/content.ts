import { createLocalTable, startDynamoDbLocal } from '../bin/local/dynamodb';
import { MemorySite } from '../bin/local/site';
import { ingest, type SourceObject } from '../lambdas/events/ingest';
import { createQueueIngestHandler, RENDER_TRIGGER } from '../lambdas/events/s3-handler';
import { getAnswerKey } from '../lambdas/store/answer-keys';
import { createStore, type Store } from '../lambdas/store/client';
import { readLessonPartition } from '../lambdas/store/content';
import { countTableWrites } from '../test/support/write-counter';
import { INGEST_QUEUE } from '../lib/constructs/content-pipeline';
import { lessonSource, syntheticCatalog } from '../test/fixtures/synthetic-catalog';
import { fakeS3, nextSequencer, queueEvent, s3Record } from '../test/support/fake-s3';
import { printTable } from './table';

/**
 * Content ingest on a DynamoDB Local started for the purpose:
 * - the budget of a first publish arriving as S3 sends it: 225 objects as one queue message each,
 *   cut into batches of the configured size and run at the configured concurrency, with the
 *   configured settle window — page writes per page, invalidation paths, render passes;
 * - staged overlaps: two uploads of one lesson in separate batches racing, counted as lost when
 *   the page, the answer keys or the ledger do not show the newer one at the end;
 * - scale: full ingest, a one-lesson prose edit (its reads and writes), a rename, and an unchanged
 *   re-ingest, at 200, 2,000 and 10,000 synthetic lessons.
 */

async function freshTable(endpoint: string, name: string): Promise<Store> {
  await createLocalTable(endpoint, name);
  return createStore({ tableName: name, endpoint });
}

/** Counts read requests a store sends (Get, BatchGet, Query). */
function countTableReads(store: Store) {
  const counter = { reads: 0 };
  store.doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^(Get|BatchGet|Query)/.test(context.commandName ?? '')) counter.reads++;
      return next(args);
    },
    { step: 'initialize', name: 'countTableReads' },
  );
  return counter;
}

async function pool<T>(items: T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

export interface FirstPublishNumbers {
  objects: number;
  batches: number;
  concurrency: number;
  settleMs: number;
  distinctPages: number;
  maxWritesPerPage: number;
  pageWrites: number;
  invalidationRequests: number;
  invalidationPaths: number;
  renderPasses: number;
  /** Delayed render messages sent by batches that left the render to a later one. */
  renderTriggers: number;
  seconds: number;
}

export async function measureFirstPublish(endpoint: string): Promise<FirstPublishNumbers> {
  const store = await freshTable(endpoint, 'bench-first-publish');
  const objects = syntheticCatalog();
  // `content publish` uploads metadata first, then lessons: S3 events in that order.
  const ordered = [...objects.filter((o) => o.key.endsWith('.yaml')), ...objects.filter((o) => !o.key.endsWith('.yaml'))];
  const content = new Map(ordered.map((o) => [o.key, o.body]));
  const writes = new Map<string, number>();
  const s3 = fakeS3({ content, site: new Map() }, { onPut: (bucket, key) => bucket === 'site' && writes.set(key, (writes.get(key) ?? 0) + 1) });
  const invalidations: string[][] = [];
  const records = ordered.map((o) => s3Record('ObjectCreated:Put', o.key));
  const batches: (typeof records)[] = [];
  for (let i = 0; i < records.length; i += INGEST_QUEUE.batchSize) batches.push(records.slice(i, i + INGEST_QUEUE.batchSize));
  // The queue: messages of batches not yet taken wait; render triggers are delivered after the batches (their delay is ~31 s).
  let taken = 0;
  let triggers = 0;
  const queue = { waiting: async () => records.length - Math.min(records.length, taken * INGEST_QUEUE.batchSize), scheduleRender: async () => void triggers++ };
  const handler = createQueueIngestHandler({
    queue,
    s3,
    store,
    siteBucket: 'site',
    contentBucket: 'content',
    invalidator: { invalidate: async (paths) => void invalidations.push(paths) },
    countFailures: () => {},
    log: () => {},
    timing: { settleMs: INGEST_QUEUE.settleMs, maxDeferMs: INGEST_QUEUE.maxDeferMs },
  });
  let passes = 0;
  const started = performance.now();
  await pool(batches, INGEST_QUEUE.maxConcurrency, async (batch) => {
    taken++;
    const response = await handler(queueEvent(batch));
    if (response.result?.failures.length) throw new Error(`first publish failed: ${response.result.failures[0]?.message}`);
    passes += response.result?.passes ?? 0;
  });
  for (let i = 0; i < triggers; i++) {
    const response = await handler({ Records: [{ messageId: `render-${i}`, body: JSON.stringify(RENDER_TRIGGER) }] } as never);
    passes += response.result?.passes ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    objects: records.length,
    batches: batches.length,
    concurrency: INGEST_QUEUE.maxConcurrency,
    settleMs: INGEST_QUEUE.settleMs,
    distinctPages: writes.size,
    maxWritesPerPage: Math.max(...writes.values()),
    pageWrites: [...writes.values()].reduce((a, b) => a + b, 0),
    invalidationRequests: invalidations.length,
    invalidationPaths: invalidations.flat().length,
    renderPasses: passes,
    renderTriggers: triggers,
    seconds,
  };
}

export interface OverlapNumbers {
  runs: number;
  lost: number;
  olderCommittedLast: number;
}

/**
 * Two uploads of one lesson in separate batches: v1's batch reads the bucket, v2 is uploaded and
 * its batch starts a few milliseconds later; in every other run v1's batch is held after its read
 * until v2's has committed (the older commits last). Lost: the end state is not v2's.
 */
export async function measureOverlaps(endpoint: string, runs = 20): Promise<OverlapNumbers> {
  const store = await freshTable(endpoint, 'bench-overlaps');
  const meta = syntheticCatalog({ tracks: 1, unitsPerTrack: 1, lessonsPerUnit: 2 });
  const content = new Map(meta.map((o) => [o.key, o.body]));
  const site = new Map<string, string>();
  let hold: { key: string; until: Promise<void>; reached: () => void } | undefined;
  const s3 = fakeS3(
    { content, site },
    {
      onGet: async (key, body) => {
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        if (hold && hold.key === key && body.includes('Version one')) {
          hold.reached();
          await hold.until;
        }
      },
    },
  );
  const handler = createQueueIngestHandler({ s3, store, siteBucket: 'site', contentBucket: 'content', countFailures: () => {}, log: () => {} });
  await handler(queueEvent(meta.map((o) => s3Record('ObjectCreated:Put', o.key))));
  let lost = 0;
  let olderLast = 0;
  for (let run = 0; run < runs; run++) {
    const id = `race-${run}`;
    const key = `track-1/unit-1/${id}.md`;
    const version = (n: 1 | 2) => lessonSource({ id, track: 'track-1', unit: 'unit-1', order: 10 + run, title: n === 1 ? 'Version one' : 'Version two', mcqId: `${id}-v${n}` });
    content.set(key, version(1));
    const older = s3Record('ObjectCreated:Put', key);
    const newer = s3Record('ObjectCreated:Put', key, nextSequencer());
    let release = () => {};
    let reached = false;
    if (run % 2 === 1) {
      const until = new Promise<void>((resolve) => (release = resolve));
      hold = { key, until, reached: () => (reached = true) };
    } else hold = undefined;
    const a = handler(queueEvent([older]));
    if (hold) while (!reached) await new Promise((r) => setTimeout(r, 1));
    else await new Promise((r) => setTimeout(r, Math.random() * 10));
    content.set(key, version(2));
    const b = handler(queueEvent([newer]));
    if (hold) {
      await b;
      release();
      olderLast++;
    }
    await Promise.all([a, b]);
    const page = site.get(`lessons/${id}/index.html`) ?? '';
    const ledger = (await readLessonPartition(store, id)).ledger;
    const ok = page.includes('<h1>Version two</h1>') && (await getAnswerKey(store, id, `${id}-v2`)) !== undefined && ledger[`${id}-v2`] !== undefined && !ledger[`${id}-v2`]?.retiredAt;
    if (!ok) lost++;
  }
  return { runs, lost, olderCommittedLast: olderLast };
}

export interface ScaleNumbers {
  lessons: number;
  fullIngestSeconds: number | undefined;
  fullIngestWrites: number | undefined;
  /** One lesson's prose edited: its page only. */
  editMs: number;
  editReads: number;
  editWrites: number;
  /** One lesson renamed: a render pass over the catalog. */
  renameMs: number;
  renamePages: number;
  unchangedMs: number;
  unchangedWrites: number;
}

const shapes: Record<number, Parameters<typeof syntheticCatalog>[0]> = {
  200: {},
  2000: { tracks: 10, unitsPerTrack: 10, lessonsPerUnit: 20, concepts: 400 },
  10000: { tracks: 20, unitsPerTrack: 25, lessonsPerUnit: 20, concepts: 2000 },
};

export async function measureScale(endpoint: string, lessons: number): Promise<ScaleNumbers> {
  const store = await freshTable(endpoint, `bench-scale-${lessons}`);
  const writes = countTableWrites(store);
  const reads = countTableReads(store);
  const site = new MemorySite();
  const objects = syntheticCatalog(shapes[lessons]);
  const timed = async (batch: SourceObject[]) => {
    writes.writes = 0;
    reads.reads = 0;
    const started = performance.now();
    const result = await ingest(batch, { store, site });
    if (result.failures.length > 0) throw new Error(`bench catalog did not ingest: ${result.failures[0]?.message}`);
    return { ms: performance.now() - started, writes: writes.writes, reads: reads.reads, result };
  };
  const full = await timed(objects);
  const lessonFiles = objects.filter((o) => o.key.endsWith('.md'));
  const target = lessonFiles[Math.floor(lessonFiles.length / 2)]!;
  const edit = await timed([{ key: target.key, body: target.body.replace('A paragraph of prose', 'An edited paragraph of prose') }]);
  const rename = await timed([{ key: target.key, body: target.body.replace(/^title: .*$/m, 'title: A renamed lesson') }]);
  await timed([target]);
  const unchanged = await timed(objects);
  return {
    lessons: lessonFiles.length,
    fullIngestSeconds: full.ms / 1000,
    fullIngestWrites: full.writes,
    editMs: edit.ms,
    editReads: edit.reads,
    editWrites: edit.writes,
    renameMs: rename.ms,
    renamePages: rename.result.pages.filter((p) => p.startsWith('lessons/')).length,
    unchangedMs: unchanged.ms,
    unchangedWrites: unchanged.writes,
  };
}

export interface ContentIngestNumbers {
  firstPublish: FirstPublishNumbers;
  overlaps: OverlapNumbers;
  scale: ScaleNumbers[];
}

export async function measureContentIngest(sizes = (process.env.BENCH_CONTENT_SIZES ?? '200,2000,10000').split(',').map(Number)): Promise<ContentIngestNumbers> {
  const dynamo = await startDynamoDbLocal();
  try {
    const firstPublish = await measureFirstPublish(dynamo.endpoint);
    const overlaps = await measureOverlaps(dynamo.endpoint);
    const scale: ScaleNumbers[] = [];
    for (const size of sizes) scale.push(await measureScale(dynamo.endpoint, size));
    return { firstPublish, overlaps, scale };
  } finally {
    await dynamo.stop();
  }
}

/** The ingest budget and the scale table, as `npm run bench` prints them. */
export function printContentTables(content: ContentIngestNumbers): void {
  const first = content.firstPublish;
  printTable(
    `Ingest budget: first publish of ${first.objects} objects as S3 sends them (${first.batches} SQS batches, ${first.concurrency} at once, ${first.settleMs} ms settle window)`,
    ['measure', 'measured', 'budget', 'met'],
    [
      ['writes of the most-written page', first.maxWritesPerPage, '≤ 2', first.maxWritesPerPage <= 2 ? 'yes' : 'no'],
      ['page writes / distinct pages', `${first.pageWrites} / ${first.distinctPages}`, '-', '-'],
      ['invalidation paths / distinct pages', `${first.invalidationPaths} / ${first.distinctPages}`, '≤ 1×', first.invalidationPaths <= first.distinctPages ? 'yes' : 'no'],
      ['invalidation requests', first.invalidationRequests, `≤ ${first.batches} (one per batch)`, first.invalidationRequests <= first.batches ? 'yes' : 'no'],
      [`render passes over the catalog (${first.renderTriggers} delayed render triggers sent)`, first.renderPasses, '-', '-'],
      [`lost updates in ${content.overlaps.runs} staged overlaps (${content.overlaps.olderCommittedLast} with the older committing last)`, content.overlaps.lost, '0', content.overlaps.lost === 0 ? 'yes' : 'no'],
      ['wall time of the publish', `${first.seconds.toFixed(1)} s`, '-', '-'],
    ],
  );
  printTable(
    'Content ingest at scale on DynamoDB Local (synthetic catalogs; one-lesson prose edit: its page only, no catalog read)',
    ['lessons', 'full ingest s', 'full ingest writes', 'prose edit ms', 'edit reads', 'edit writes', 'rename ms (pages)', 'unchanged re-ingest ms', 'unchanged writes'],
    content.scale.map((s) => [
      s.lessons,
      s.fullIngestSeconds === undefined ? 'skipped' : Number(s.fullIngestSeconds.toFixed(1)),
      s.fullIngestWrites ?? '-',
      Math.round(s.editMs),
      s.editReads,
      s.editWrites,
      `${Math.round(s.renameMs)} (${s.renamePages})`,
      Math.round(s.unchangedMs),
      s.unchangedWrites,
    ]),
  );
}
