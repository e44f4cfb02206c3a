import { describe, expect, it, vi } from 'vitest';
import { createQueueIngestHandler } from '../../lambdas/events/s3-handler';
import { createStore, type Store } from '../../lambdas/store/client';
import { readLessonPartition } from '../../lambdas/store/content';
import { getAnswerKey } from '../../lambdas/store/answer-keys';
import { contentDigest } from '../../lambdas/events/verdicts';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
import { fakeS3, queueEvent, s3Record, nextSequencer, type FakeS3Hooks } from '../support/fake-s3';
import { freshStore } from '../support/store';
import type { LogLine } from '../../lambdas/events/log';

const lessonKey = 'apis/retries/backoff-and-jitter.md';
const v1 = lessonSource({ id: 'backoff-and-jitter', track: 'apis', unit: 'retries', title: 'Version one', mcqId: 'first-mcq' });
const v2 = lessonSource({ id: 'backoff-and-jitter', track: 'apis', unit: 'retries', title: 'Version two', mcqId: 'second-mcq' });

async function setup(options: { hooks?: FakeS3Hooks; store?: Store & { endpoint: string } } = {}) {
  const content = new Map<string, string>([
    ['apis/track.yaml', groupYaml('APIs', 1)],
    ['apis/retries/unit.yaml', groupYaml('Retries', 1)],
    [lessonKey, lessonSource({ id: 'backoff-and-jitter', track: 'apis', unit: 'retries' })],
  ]);
  const buckets = { content, site: new Map<string, string>() };
  const counts: number[] = [];
  const logs: LogLine[] = [];
  const store = options.store ?? (await freshStore());
  const s3 = fakeS3(buckets, options.hooks);
  const handlerFor = (storeOfRun: Store) =>
    createQueueIngestHandler({ s3, store: storeOfRun, siteBucket: 'site', contentBucket: 'content', countFailures: (n) => counts.push(n), log: (line) => logs.push(line) });
  return { buckets, counts, logs, store, handler: handlerFor(store), handlerFor };
}

/** A second client on the same table whose first transaction waits for `gate`: a run stalled between its read and its write. */
function stalledStore(store: Store & { endpoint: string }, gate: Promise<void>) {
  const other = createStore({ tableName: store.tableName, endpoint: store.endpoint });
  let reached = false;
  other.doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^TransactWrite/.test(context.commandName ?? '') && !reached) {
        reached = true;
        await gate;
      }
      return next(args);
    },
    { step: 'initialize', name: 'stallFirstTransaction' },
  );
  return { store: other, reached: () => reached };
}

describe('queue-fed S3 ingest', () => {
  it('reads created objects (URL-encoded keys), publishes their pages to the site bucket and counts zero failures', async () => {
    // Prepare
    const { buckets, counts, handler } = await setup();

    // Act: the lesson's unit.yaml has no event of its own yet; the bucket listing makes it known.
    const response = await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/backoff%2Dand%2Djitter.md')]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(response.result?.failures).toEqual([]);
    expect(buckets.site.get('lessons/backoff-and-jitter/index.html')).toContain('<h1>Lesson backoff-and-jitter</h1>');
    expect(buckets.site.has('concepts/index.html')).toBe(true);
    expect(counts).toEqual([0]);
  });

  it('writes a JSON report under reports/ for a rejected lesson, logs it, counts it and does not ask for a retry', async () => {
    // Prepare
    const { buckets, counts, logs, handler } = await setup();
    buckets.content.set('apis/retries/broken.md', lessonSource({ id: 'broken', track: 'apis', unit: 'retries' }).replace('level: junior', 'level: expert'));

    // Act
    const response = await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/retries/broken.md')]));

    // Assess
    const reports = [...buckets.content.keys()].filter((k) => k.startsWith('reports/') && !k.startsWith('reports/verdicts/'));
    expect(reports).toEqual([expect.stringMatching(/^reports\/.+--apis__retries__broken\.md\.json$/)]);
    // And the verdict `content publish` waits for.
    expect(JSON.parse(buckets.content.get('reports/verdicts/apis/retries/broken.md.json')!)).toMatchObject({ verdict: 'rejected', problems: [expect.objectContaining({ line: 7 })] });
    expect(JSON.parse(buckets.content.get(reports[0]!)!).problems).toEqual([expect.objectContaining({ line: 7, message: expect.stringContaining('level') })]);
    expect(counts).toEqual([1]);
    expect(logs.some((l) => l.level === 'WARN' && l.message === 'content rejected')).toBe(true);
    expect(buckets.site.has('lessons/broken/index.html')).toBe(false);
    expect(response.batchItemFailures).toEqual([]);
  });

  it('takes a lesson down on ObjectRemoved and ignores a created object that is already gone', async () => {
    // Prepare
    const { buckets, handler } = await setup();
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey)]));
    buckets.content.delete(lessonKey);

    // Act
    const response = await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey), s3Record('ObjectRemoved:Delete', lessonKey)]));

    // Assess
    expect(response.result?.removed).toEqual(['backoff-and-jitter']);
    expect(buckets.site.has('lessons/backoff-and-jitter/index.html')).toBe(false);
  });

  it('returns a message that is not an S3 notification as a batch item failure and ingests the rest', async () => {
    // Prepare
    const { handler } = await setup();
    const event = queueEvent([s3Record('ObjectCreated:Put', lessonKey)]);
    event.Records.push({ ...event.Records[0]!, messageId: 'garbage', body: 'not json' });

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'garbage' }]);
    expect(response.result?.lessons).toEqual(['backoff-and-jitter']);
  });

  it('ignores the S3 test event that a new notification configuration sends', async () => {
    const { handler } = await setup();
    const response = await handler({ Records: [{ messageId: 'test', body: JSON.stringify({ Event: 's3:TestEvent', Bucket: 'content' }) }] } as never);
    expect(response.batchItemFailures).toEqual([]);
    expect(response.result?.lessons).toEqual([]);
  });
});

describe('render passes of a burst of batches', () => {
  it('leaves the catalog-wide pages to a later batch while events wait in the queue, and a delayed trigger renders them', async () => {
    // Prepare: the queue still holds events; a short settle window.
    const { buckets, store } = await setup();
    let waiting = 5;
    const triggers: number[] = [];
    const queue = { waiting: async () => waiting, scheduleRender: async (delay: number) => void triggers.push(delay) };
    const handler = createQueueIngestHandler({
      s3: fakeS3(buckets),
      store,
      siteBucket: 'site',
      contentBucket: 'content',
      countFailures: () => {},
      log: () => {},
      queue,
      timing: { settleMs: 20, maxDeferMs: 10_000 },
    });

    // Act
    const batch = await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml'), s3Record('ObjectCreated:Put', lessonKey)]));
    waiting = 0;
    const trigger = await handler({ Records: [{ messageId: 'render', body: JSON.stringify({ rungs: 'render' }) }] } as never);

    // Assess
    expect(batch.result?.deferred).toBe(true);
    expect(batch.result?.pages).toEqual([]);
    expect(triggers).toEqual([11]);
    expect(trigger.result?.passes).toBe(1);
    expect(buckets.site.get('index.html')).toContain('/lessons/backoff-and-jitter/');
    expect(buckets.site.has('lessons/backoff-and-jitter/index.html')).toBe(true);
  });
});

describe('ingest order: the newest upload wins', () => {
  it('keeps v2 when the batch carrying the older upload commits after the one carrying the newer', async () => {
    // Prepare: batch A read v1 from the bucket and stalls; v2 is uploaded and batch B ingests it.
    let releaseA!: () => void;
    const aMayContinue = new Promise<void>((resolve) => (releaseA = resolve));
    let aRead = false;
    const { buckets, handler, store } = await setup({
      hooks: {
        onGet: async (key, body) => {
          if (key === lessonKey && body === v1 && !aRead) {
            aRead = true;
            await aMayContinue;
          }
        },
      },
    });
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    buckets.content.set(lessonKey, v1);
    const older = s3Record('ObjectCreated:Put', lessonKey);
    const newer = s3Record('ObjectCreated:Put', lessonKey);

    // Act
    const runA = handler(queueEvent([older]));
    await vi.waitUntil(() => aRead);
    buckets.content.set(lessonKey, v2);
    const b = await handler(queueEvent([newer]));
    releaseA();
    const a = await runA;

    // Assess
    expect(b.result?.lessons).toEqual(['backoff-and-jitter']);
    expect(a.result?.stale).toEqual([lessonKey]);
    expect(buckets.site.get('lessons/backoff-and-jitter/index.html')).toContain('Version two');
    expect(await getAnswerKey(store, 'backoff-and-jitter', 'second-mcq')).toMatchObject({ kind: 'mcq' });
    expect(await getAnswerKey(store, 'backoff-and-jitter', 'first-mcq')).toBeUndefined();
  });

  it('ignores an older event delivered after a newer one, and re-reads the bucket for a newer one', async () => {
    // Prepare
    const { buckets, handler } = await setup();
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    const older = nextSequencer();
    const newer = nextSequencer();
    buckets.content.set(lessonKey, v2);

    // Act
    const first = await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, newer)]));
    const late = await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, older)]));

    // Assess
    expect(first.result?.lessons).toEqual(['backoff-and-jitter']);
    expect(late.result?.stale).toEqual([lessonKey]);
    expect(late.result?.pages).toEqual([]);
    expect(buckets.site.get('lessons/backoff-and-jitter/index.html')).toContain('Version two');
  });

  it('compares sequencers of different lengths as S3 documents (padded), not as plain strings', async () => {
    // Prepare: "FF" sorts after "100" as text, but is older.
    const { buckets, handler } = await setup();
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    buckets.content.set(lessonKey, v2);
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, '100')]));

    // Act
    const late = await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, 'FF')]));

    // Assess
    expect(late.result?.stale).toEqual([lessonKey]);
  });

  it('keeps every id v2 published in the ledger when v1 commits between v2\'s read and write', async () => {
    // Prepare: run B (v2) reads the lesson's partition, then stalls before its transaction; run A (v1) commits.
    const { buckets, handler, handlerFor, store } = await setup();
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    let releaseB!: () => void;
    const stalled = stalledStore(store, new Promise<void>((resolve) => (releaseB = resolve)));
    const older = nextSequencer();
    const newer = nextSequencer();
    buckets.content.set(lessonKey, v2);
    const runB = handlerFor(stalled.store)(queueEvent([s3Record('ObjectCreated:Put', lessonKey, newer)]));
    await vi.waitUntil(() => stalled.reached());

    // Act: v1's event is read with v1's body (the bucket held v1 when it was read), then B goes on.
    buckets.content.set(lessonKey, v1);
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, older)]));
    buckets.content.set(lessonKey, v2);
    releaseB();
    const b = await runB;

    // Assess: v2 is live, its id is in the ledger, v1's id is retired, not lost.
    expect(b.result?.lessons).toEqual(['backoff-and-jitter']);
    const { ledger } = await readLessonPartition(store, 'backoff-and-jitter');
    expect(ledger['second-mcq']).toMatchObject({ kind: 'mcq' });
    expect(ledger['second-mcq']?.retiredAt).toBeUndefined();
    expect(ledger['first-mcq']?.retiredAt).toEqual(expect.any(String));
    expect(buckets.site.get('lessons/backoff-and-jitter/index.html')).toContain('Version two');
  });
});

describe('verdicts on the queue-fed path', () => {
  const verdictOf = (content: Map<string, string>, key: string) => JSON.parse(content.get(`reports/verdicts/${key}.json`) ?? 'null') as { verdict: string; sha256: string } | null;

  it('writes the verdict when a batch is retried after the table took the file but the verdict write failed', async () => {
    // Prepare: once armed, the next verdict write fails, as a throttled PutObject would.
    let failVerdict = false;
    const { buckets, handler } = await setup({
      hooks: {
        onPut: (_bucket, key) => {
          if (key.startsWith('reports/verdicts/') && failVerdict) {
            failVerdict = false;
            throw new Error('SlowDown');
          }
        },
      },
    });
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    buckets.content.set(lessonKey, v2);
    const event = queueEvent([s3Record('ObjectCreated:Put', lessonKey)]);
    failVerdict = true;

    // Act: the same messages delivered again, as SQS does after a batch failure.
    const first = await handler(event);
    const retried = await handler(event);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retried.batchItemFailures).toEqual([]);
    expect(retried.result?.stale).toEqual([lessonKey]);
    expect(verdictOf(buckets.content, lessonKey)).toMatchObject({ verdict: 'live', sha256: contentDigest(v2) });
  });

  it('keeps the verdict on the newest upload when an older event arrives after it', async () => {
    // Prepare
    const { buckets, handler } = await setup();
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    const older = nextSequencer();
    const newer = nextSequencer();
    buckets.content.set(lessonKey, v2);
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, newer)]));
    const afterNewer = buckets.content.get(`reports/verdicts/${lessonKey}.json`);

    // Act
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, older)]));

    // Assess: about v2 still; the late event confirmed what the table holds and wrote the same judgement.
    expect(verdictOf(buckets.content, lessonKey)).toMatchObject({ verdict: 'live', sha256: contentDigest(v2) });
    expect(JSON.parse(afterNewer!)).toMatchObject({ verdict: 'live', sha256: contentDigest(v2) });
  });

  it('writes no verdict on an upload the bucket no longer holds when the batch ends: a later batch judging the newer one may have finished first', async () => {
    // Prepare: v2 is uploaded right after this batch read v1 (as when a figure's batch re-judges a
    // lesson while the lesson's new upload is judged by another batch)
    let swapped = false;
    const { buckets, handler } = await setup({
      hooks: {
        onGet: async (key, body) => {
          if (key === lessonKey && body === v1 && !swapped) {
            swapped = true;
            buckets.content.set(lessonKey, v2);
          }
        },
      },
    });
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    buckets.content.set(lessonKey, v1);

    // Act
    const a = await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey)]));
    const afterA = verdictOf(buckets.content, lessonKey);
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey)]));

    // Assess: the batch that judged v1 says nothing about it (a verdict on v1 written after v2's
    // would be the last word, and publish would wait for v2's forever); v2's own batch answers.
    expect(swapped).toBe(true);
    expect(a.result?.lessons).toEqual(['backoff-and-jitter']);
    expect(afterA?.sha256).not.toBe(contentDigest(v1));
    expect(verdictOf(buckets.content, lessonKey)).toMatchObject({ verdict: 'live', sha256: contentDigest(v2) });
  });

  it('writes no verdict for an older event once the bucket holds a version the table has not taken yet', async () => {
    // Prepare: v2 is published; v3 is in the bucket but its event has not arrived.
    const { buckets, handler } = await setup();
    await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/track.yaml'), s3Record('ObjectCreated:Put', 'apis/retries/unit.yaml')]));
    const older = nextSequencer();
    buckets.content.set(lessonKey, v2);
    await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, nextSequencer())]));
    buckets.content.set(lessonKey, v2.replace('Version two', 'Version three'));

    // Act: a late duplicate of an older event.
    const late = await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey, older)]));

    // Assess: the verdict still speaks of v2, never of v3, which nobody judged yet.
    expect(late.result?.stale).toEqual([lessonKey]);
    expect(verdictOf(buckets.content, lessonKey)).toMatchObject({ sha256: contentDigest(v2) });
  });
});
