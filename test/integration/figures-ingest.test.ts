import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../bin/local/s3';
import { decide } from '../../lambdas/events/decide';
import { createQueueIngestHandler } from '../../lambdas/events/s3-handler';
import type { IngestResult } from '../../lambdas/events/ingest';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
import { fakeS3, queueEvent, s3Record } from '../support/fake-s3';
import { freshStore } from '../support/store';

/**
 * A lesson with a figure through the cloud's path on one machine: uploads to the local S3 endpoint
 * become SQS-shaped batches for the queue ingest handler, which publishes pages and figures to a
 * second bucket of the same endpoint (the site bucket), with DynamoDB Local as the table.
 */

const SITE = 'rungs-site-test';
const lessonKey = 'apis/retries/backoff.md';
const pagePath = 'lessons/backoff/index.html';
const lesson = (figure = 'flow.svg') => lessonSource({ id: 'backoff', track: 'apis', unit: 'retries', prose: `\n![Retries spread out over time, each wait twice the last](${figure})\n` });
const svg = (fill: string) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 120" role="img"><rect x="10" y="10" width="300" height="100" fill="${fill}"/></svg>\n`;

let s3: LocalS3;
let client: S3Client;
const results: IngestResult[] = [];

async function upload(files: Record<string, string>) {
  for (const [key, body] of Object.entries(files)) await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  await s3.drained();
}

const text = async (bucket: string, key: string) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then((r) => r.Body?.transformToString())) ?? '';
const figureSrc = (page: string) => /<img class="figure" src="\/(figures\/[^"]+)"/.exec(page)?.[1];

beforeAll(async () => {
  const store = await freshStore();
  let handler: ReturnType<typeof createQueueIngestHandler> | undefined;
  s3 = await startLocalS3({
    onBatch: async (batch) => {
      const { result } = await handler!(batch);
      if (result) results.push(result);
    },
  });
  client = s3.client();
  await client.send(new CreateBucketCommand({ Bucket: SITE }));
  handler = createQueueIngestHandler({ s3: client, store, siteBucket: SITE, contentBucket: s3.bucket, countFailures: () => {}, log: () => {} });
  await upload({ 'apis/track.yaml': groupYaml('APIs', 1), 'apis/retries/unit.yaml': groupYaml('Retries', 1) });
});

afterAll(async () => {
  await s3?.stop();
});

describe('figures through the queue ingest', () => {
  it('publishes a lesson\'s figure under a content-hashed name with immutable caching, and the page shows it sized and lazy', async () => {
    // Act: figure and lesson in the same batch
    await upload({ 'apis/retries/flow.svg': svg('#def'), [lessonKey]: lesson() });

    // Assess
    expect(results.at(-1)?.failures).toEqual([]);
    const page = await text(SITE, pagePath);
    const name = figureSrc(page);
    expect(name).toMatch(/^figures\/flow-[A-Za-z0-9]{12}\.svg$/);
    expect(page).toContain(`<img class="figure" src="/${name}" alt="Retries spread out over time, each wait twice the last" width="320" height="120" loading="lazy" decoding="async">`);
    const head = await client.send(new HeadObjectCommand({ Bucket: SITE, Key: name }));
    expect(head.ContentType).toBe('image/svg+xml');
    expect(head.CacheControl).toBe('public, max-age=31536000, immutable');
    expect(await text(SITE, name!)).toBe(svg('#def'));
  });

  it('gives a changed figure a new name and re-renders the lesson that shows it, without an upload of the lesson', async () => {
    // Prepare
    const before = figureSrc(await text(SITE, pagePath));

    // Act: only the figure changes
    await upload({ 'apis/retries/flow.svg': svg('#fed') });

    // Assess
    const after = figureSrc(await text(SITE, pagePath));
    expect(after).toMatch(/^figures\/flow-/);
    expect(after).not.toBe(before);
    expect(await text(SITE, after!)).toBe(svg('#fed'));
    // The old name still answers: a page cached before the change still finds its figure.
    expect(await text(SITE, before!)).toBe(svg('#def'));
    expect(results.at(-1)).toMatchObject({ lessons: ['backoff'], refreshed: [lessonKey], failures: [] });
    const verdict = JSON.parse(await text(s3.bucket, `reports/verdicts/${lessonKey}.json`)) as { verdict: string };
    expect(verdict.verdict).toBe('live');
  });

  it('rejects a lesson whose figure has not arrived yet, keeps its previous version live and publishes it once the figure arrives', async () => {
    // Prepare
    const live = await text(SITE, pagePath);

    // Act 1: the lesson names a figure that is not in the bucket yet
    await upload({ [lessonKey]: lesson('later.svg') });

    // Assess 1
    expect(results.at(-1)?.failures.map((f) => f.message)).toEqual([expect.stringMatching(/^apis\/retries\/backoff\.md:\d+:1 figure "later\.svg" does not exist: add apis\/retries\/later\.svg/)]);
    expect(await text(SITE, pagePath)).toBe(live);

    // Act 2: the figure arrives in a batch of its own
    await upload({ 'apis/retries/later.svg': svg('#abc') });

    // Assess 2
    expect(results.at(-1)).toMatchObject({ lessons: ['backoff'], failures: [] });
    expect(figureSrc(await text(SITE, pagePath))).toMatch(/^figures\/later-[A-Za-z0-9]{12}\.svg$/);
    expect(JSON.parse(await text(s3.bucket, `reports/verdicts/${lessonKey}.json`))).toMatchObject({ verdict: 'live' });
  });

  it('rejects an SVG figure with script at the lesson\'s reference, naming the place in the figure', async () => {
    // Act
    await upload({ 'apis/retries/later.svg': svg('#abc').replace('<rect', '<script>alert(1)</script><rect') });

    // Assess: the lesson keeps its published version (and figure)
    expect(results.at(-1)?.failures.map((f) => f.message)).toEqual([expect.stringMatching(/figure "later\.svg": SVG figures may not contain a <script> element: .* \(apis\/retries\/later\.svg:1:\d+\)$/)]);
    expect(figureSrc(await text(SITE, pagePath))).toMatch(/^figures\/later-/);
  });
});

describe('a figure\'s event that comes before its lesson\'s own event', () => {
  it('publishes the lesson once for the figure, and judges the lesson\'s own upload live, a repeat of it unchanged', async () => {
    // Prepare: both files are in the bucket; the queue hands the figure's event over first, alone
    const store = await freshStore();
    const content = new Map<string, string>([
      ['apis/track.yaml', groupYaml('APIs', 1)],
      ['apis/retries/unit.yaml', groupYaml('Retries', 1)],
      ['apis/retries/flow.svg', svg('#def')],
      [lessonKey, lesson()],
    ]);
    const buckets = { content, site: new Map<string, string>() };
    const handler = createQueueIngestHandler({ s3: fakeS3(buckets), store, siteBucket: 'site', contentBucket: 'content', countFailures: () => {}, log: () => {} });
    await handler(queueEvent(['apis/track.yaml', 'apis/retries/unit.yaml'].map((key) => s3Record('ObjectCreated:Put', key))));
    const verdict = () => (JSON.parse(content.get(`reports/verdicts/${lessonKey}.json`)!) as { verdict: string }).verdict;

    // Act
    const byFigure = (await handler(queueEvent([s3Record('ObjectCreated:Put', 'apis/retries/flow.svg')]))).result!;
    const afterFigure = verdict();
    const own = (await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey)]))).result!;
    const afterOwn = verdict();
    const repeat = (await handler(queueEvent([s3Record('ObjectCreated:Put', lessonKey)]))).result!;

    // Assess
    expect(byFigure).toMatchObject({ lessons: ['backoff'], refreshed: [lessonKey], failures: [] });
    expect(buckets.site.get(pagePath)).toMatch(/<img class="figure" src="\/figures\/flow-[A-Za-z0-9]{12}\.svg"/);
    expect(afterFigure).toBe('live');
    expect(own).toMatchObject({ lessons: ['backoff'], unchanged: [] });
    expect(afterOwn).toBe('live');
    expect(repeat).toMatchObject({ lessons: [], unchanged: ['backoff'] });
    expect(verdict()).toBe('unchanged');
  });
});

describe('a figure event', () => {
  it('lists only the figure\'s own folder, never the whole bucket, to find the lessons that show it', async () => {
    // Prepare
    const store = await freshStore();
    const asked: string[] = [];
    const folder = ['apis/retries/backoff.md', 'apis/retries/flow.svg', 'apis/retries/deeper/other.md'];
    const deps = {
      store,
      listing: async (): Promise<Set<string>> => {
        throw new Error('the whole bucket was listed');
      },
      listFolder: async (prefix: string) => (asked.push(prefix), folder.filter((key) => key.startsWith(prefix))),
      read: async (key: string) => (key === lessonKey ? lesson() : undefined),
      source: { readFigure: async () => ({ size: svg('#abc').length, bytes: new TextEncoder().encode(svg('#abc')) }) },
    };

    // Act
    const decision = await decide([{ kind: 'put', key: 'apis/retries/flow.svg' }], deps);

    // Assess
    expect(asked).toEqual(['apis/retries/']);
    expect(decision.refreshed).toEqual([lessonKey]);
    expect(decision.failures).toEqual([]);
  });
});
