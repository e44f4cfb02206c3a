import { NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createS3IngestHandler } from '../../lambdas/events/s3-handler';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
import { freshStore } from '../support/store';

/**
 * S3 has no local stand-in in this repository, so the client gets a middleware that answers the
 * four commands ingest sends from in-memory buckets: nothing leaves the process. The table is real
 * (DynamoDB Local).
 */
function fakeS3(buckets: Record<string, Map<string, string>>) {
  const s3 = new S3Client({ region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  s3.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as { Bucket: string; Key?: string; Body?: string };
      const bucket = buckets[input.Bucket] ?? (buckets[input.Bucket] = new Map());
      switch (context.commandName) {
        case 'GetObjectCommand': {
          const body = bucket.get(input.Key!);
          if (body === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
          return { output: { Body: { transformToString: async () => body }, $metadata: {} }, response: {} };
        }
        case 'PutObjectCommand':
          bucket.set(input.Key!, String(input.Body));
          return { output: { $metadata: {} }, response: {} };
        case 'DeleteObjectCommand':
          bucket.delete(input.Key!);
          return { output: { $metadata: {} }, response: {} };
        case 'ListObjectsV2Command':
          return { output: { Contents: [...bucket.keys()].map((Key) => ({ Key })), IsTruncated: false, $metadata: {} }, response: {} };
        default:
          throw new Error(`unexpected S3 command ${context.commandName}`);
      }
    },
    { step: 'initialize', name: 'fakeS3' },
  );
  return s3;
}

const record = (eventName: string, key: string) => ({ eventName, s3: { bucket: { name: 'content' }, object: { key } } });
const event = (...records: ReturnType<typeof record>[]) => ({ Records: records }) as unknown as S3Event;

async function setup() {
  const content = new Map<string, string>([
    ['apis/track.yaml', groupYaml('APIs', 1)],
    ['apis/retries/unit.yaml', groupYaml('Retries', 1)],
    ['apis/retries/backoff-and-jitter.md', lessonSource({ id: 'backoff-and-jitter', track: 'apis', unit: 'retries' })],
  ]);
  const buckets = { content, site: new Map<string, string>() };
  const counts: number[] = [];
  const logs: string[] = [];
  const handler = createS3IngestHandler({
    s3: fakeS3(buckets),
    store: await freshStore(),
    siteBucket: 'site',
    contentBucket: 'content',
    countFailures: (n) => counts.push(n),
    log: (line) => logs.push(line),
  });
  return { buckets, counts, logs, handler };
}

describe('S3 ingest handler', () => {
  it('reads created objects (URL-encoded keys), publishes their pages to the site bucket and counts zero failures', async () => {
    // Prepare
    const { buckets, counts, handler } = await setup();

    // Act: the lesson's unit.yaml has no event of its own yet; the bucket listing makes it known.
    const result = await handler(event(record('ObjectCreated:Put', 'apis/track.yaml'), record('ObjectCreated:Put', 'apis/retries/backoff%2Dand%2Djitter.md')));

    // Assess
    expect(result.failures).toEqual([]);
    expect(buckets.site.get('lessons/backoff-and-jitter/index.html')).toContain('<h1>Lesson backoff-and-jitter</h1>');
    expect(buckets.site.has('concepts/index.html')).toBe(true);
    expect(counts).toEqual([0]);
  });

  it('writes a JSON report under reports/ for a rejected lesson, logs it and counts it', async () => {
    // Prepare
    const { buckets, counts, logs, handler } = await setup();
    buckets.content.set('apis/retries/broken.md', lessonSource({ id: 'broken', track: 'apis', unit: 'retries' }).replace('level: junior', 'level: expert'));

    // Act
    await handler(event(record('ObjectCreated:Put', 'apis/retries/broken.md')));

    // Assess
    const reports = [...buckets.content.keys()].filter((k) => k.startsWith('reports/') && !k.startsWith('reports/verdicts/'));
    expect(reports).toEqual([expect.stringMatching(/^reports\/.+--apis__retries__broken\.md\.json$/)]);
    // And the verdict `content publish` waits for.
    expect(JSON.parse(buckets.content.get('reports/verdicts/apis/retries/broken.md.json')!)).toMatchObject({ verdict: 'rejected', problems: [expect.objectContaining({ line: 7 })] });
    expect(JSON.parse(buckets.content.get(reports[0]!)!).problems).toEqual([expect.objectContaining({ line: 7, message: expect.stringContaining('level') })]);
    expect(counts).toEqual([1]);
    expect(logs.some((l) => JSON.parse(l).message === 'content rejected')).toBe(true);
    expect(buckets.site.has('lessons/broken/index.html')).toBe(false);
  });

  it('takes a lesson down on ObjectRemoved and ignores a created object that is already gone', async () => {
    // Prepare
    const { buckets, handler } = await setup();
    await handler(event(record('ObjectCreated:Put', 'apis/retries/backoff-and-jitter.md')));
    buckets.content.delete('apis/retries/backoff-and-jitter.md');

    // Act
    const result = await handler(event(record('ObjectCreated:Put', 'apis/retries/backoff-and-jitter.md'), record('ObjectRemoved:Delete', 'apis/retries/backoff-and-jitter.md')));

    // Assess
    expect(result.removed).toEqual(['backoff-and-jitter']);
    expect(buckets.site.has('lessons/backoff-and-jitter/index.html')).toBe(false);
  });
});
