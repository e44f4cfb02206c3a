import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { apiEvent, lambdaContext } from '../../bin/local/adapter';
import { MemorySite } from '../../bin/local/site';
import { contentFolderFigures } from '../../bin/local/content';
import { ingest, type IngestFailure, type SourceObject } from '../../lambdas/events/ingest';
import { getAnswerKey, listAnswerKeys } from '../../lambdas/store/answer-keys';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { readCatalog } from '../../lambdas/store/catalog';
import { contentPartitionPrefixes } from '../../lambdas/store/keys';
import { fromRoot } from '../../lib/paths';
import { countTableWrites } from '../support/write-counter';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
import { freshStore, useStoreEnv } from '../support/store';

const sampleLesson = readFileSync(fromRoot('content/security/oauth/authorization-code-pkce.md'), 'utf8');
/** The sample lesson shows a figure: ingest reads it from content/, as it would from the bucket. */
const sampleFigures = contentFolderFigures(fromRoot('content'));
const trackYaml = 'title: Security\norder: 1\ndescription: Tokens and identity.\n';
const unitYaml = 'title: OAuth\norder: 1\ndescription: Delegated access.\n';
const securityMeta: SourceObject[] = [
  { key: 'security/track.yaml', body: trackYaml },
  { key: 'security/oauth/unit.yaml', body: unitYaml },
];

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const getEvent = (path: string) => apiEvent({ method: 'GET', template: path, path });

/** A unit of three lessons a → b → c sharing concepts, as an author would write it. */
const unitMeta: SourceObject[] = [
  { key: 'apis/track.yaml', body: groupYaml('APIs', 1) },
  { key: 'apis/retries/unit.yaml', body: groupYaml('Retries', 1) },
];
const lessonFile = (id: string, order: number, extra: Partial<Parameters<typeof lessonSource>[0]> = {}): SourceObject => ({
  key: `apis/retries/${id}.md`,
  body: lessonSource({ id, track: 'apis', unit: 'retries', order, concepts: ['retries', id], ...extra }),
});
const threeLessons = () => [...unitMeta, lessonFile('a', 1), lessonFile('b', 2), lessonFile('c', 3)];

class RecordingInvalidator {
  readonly calls: string[][] = [];
  async invalidate(paths: string[]) {
    this.calls.push(paths);
  }
}
class RecordingReporter {
  readonly reports: IngestFailure[][] = [];
  async report(failures: IngestFailure[]) {
    this.reports.push(failures);
  }
}

/** A fresh table with the three-lesson unit already published, and recorders for what follows. */
async function publishedUnit() {
  const store = await freshStore();
  const site = new MemorySite();
  await ingest(threeLessons(), { store, site });
  return { store, site, invalidator: new RecordingInvalidator(), reporter: new RecordingReporter() };
}

describe('content ingest into DynamoDB Local', () => {
  it('stores the lesson in the catalog and renders its page, the home page, the concept index page and catalog.json', async () => {
    // Prepare
    const store = await freshStore();
    const site = new MemorySite();

    // Act
    const result = await ingest([...securityMeta, { key: 'security/oauth/authorization-code-pkce.md', body: sampleLesson }], { store, site, source: sampleFigures });

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.lessons).toEqual(['authorization-code-pkce']);
    const catalog = await readCatalog(store);
    expect(catalog.tracks).toMatchObject([{ id: 'security', title: 'Security', units: [{ id: 'oauth', title: 'OAuth', lessons: [{ id: 'authorization-code-pkce', level: 'junior' }] }] }]);
    expect(site.objects.get('lessons/authorization-code-pkce/index.html')?.body).toContain('<h1>The authorization code flow with PKCE</h1>');
    expect(site.objects.get('index.html')?.body).toContain('href="/lessons/authorization-code-pkce/"');
    expect(site.objects.get('concepts/index.html')?.body).toContain('id="concept-pkce"');
    expect(JSON.parse(site.objects.get('catalog.json')?.body ?? '{}').tracks[0].id).toBe('security');
    const answerKey = await getAnswerKey(store, 'authorization-code-pkce', 'pkce-protects');
    expect(answerKey).toMatchObject({ kind: 'mcq', correct: ['stolen-code'], choiceIds: ['stolen-token', 'phishing', 'stolen-code', 'csrf-only'] });
    expect((await listAnswerKeys(store, 'authorization-code-pkce')).map((k) => k.itemId).sort()).toEqual(['challenge-method', 'code-flow-recall', 'code-flow-steps', 'pkce-protects']);
  });

  it('reports a broken lesson with its position and still ingests the others', async () => {
    // Prepare
    const store = await freshStore();
    const reporter = new RecordingReporter();
    const broken = sampleLesson.replace('id: authorization-code-pkce', 'id: Not A Slug');

    // Act
    const result = await ingest(
      [...securityMeta, { key: 'security/oauth/broken.md', body: broken }, { key: 'security/oauth/authorization-code-pkce.md', body: sampleLesson }],
      { store, site: new MemorySite(), reporter, source: sampleFigures },
    );

    // Assess
    expect(result.failures.map((f) => f.key)).toEqual(['security/oauth/broken.md']);
    expect(result.failures[0]?.message).toMatch(/^security\/oauth\/broken\.md:2:\d+ id is the text ".*", which is not an id: write an id of lowercase words joined by hyphens/);
    expect(reporter.reports).toEqual([result.failures]);
    expect(result.lessons).toEqual(['authorization-code-pkce']);
    expect((await readCatalog(store)).tracks[0]?.units[0]?.lessons.map((l) => l.id)).toEqual(['authorization-code-pkce']);
  });

  it('rejects a lesson filed under a different track or unit than its front matter says', async () => {
    const store = await freshStore();
    const result = await ingest([{ key: 'apis/limits/authorization-code-pkce.md', body: sampleLesson }], { store, site: new MemorySite() });
    expect(result.failures[0]?.message).toMatch(/apis\/limits\/authorization-code-pkce\.md:4:1 track "security" does not match the folder "apis\/"/);
    expect((await readCatalog(store)).tracks).toEqual([]);
  });

  it('keeps the previous version live when an edit fails validation, and reports it', async () => {
    // Prepare
    const { store, site, reporter } = await publishedUnit();
    const pageBefore = site.objects.get('lessons/b/index.html')?.body;
    const keyBefore = await getAnswerKey(store, 'b', 'b-mcq');
    const badEdit = { key: 'apis/retries/b.md', body: lessonSource({ id: 'b', track: 'apis', unit: 'retries', order: 2, title: 'Edited', prerequisites: ['nowhere'] }) };

    // Act
    const result = await ingest([badEdit], { store, site, reporter });

    // Assess
    expect(result.failures[0]?.problems).toEqual([expect.objectContaining({ file: 'apis/retries/b.md', line: 9, column: 17, message: 'unknown prerequisite "nowhere": write the id of an existing lesson, or remove it' })]);
    expect(reporter.reports).toHaveLength(1);
    expect(site.objects.get('lessons/b/index.html')?.body).toBe(pageBefore);
    expect(await getAnswerKey(store, 'b', 'b-mcq')).toEqual(keyBefore);
    expect((await readCatalog(store)).tracks[0]?.units[0]?.lessons.find((l) => l.id === 'b')?.title).toBe('Lesson b');
  });

  it('performs zero table writes and publishes nothing when an unchanged catalog is ingested again', async () => {
    // Prepare
    const store = await freshStore();
    const site = new MemorySite();
    const invalidator = new RecordingInvalidator();
    await ingest(threeLessons(), { store, site, invalidator });
    const counter = countTableWrites(store);
    const written: string[] = [];
    const watchingSite = { put: async (path: string) => void written.push(path), putImmutable: async (path: string) => void written.push(path), delete: async (path: string) => void written.push(path) };

    // Act
    const result = await ingest(threeLessons(), { store, site: watchingSite, invalidator });

    // Assess
    expect(counter.writes).toBe(0);
    expect(result.unchanged.sort()).toEqual(['a', 'b', 'c']);
    expect(written).toEqual([]);
    expect(invalidator.calls).toHaveLength(1);
  });

  it('counts writes for a changed lesson (the middleware sees them), so the zero above is real', async () => {
    const store = await freshStore();
    await ingest(threeLessons(), { store, site: new MemorySite() });
    const counter = countTableWrites(store);
    await ingest([lessonFile('b', 2, { prose: 'One more sentence.' })], { store, site: new MemorySite() });
    expect(counter.writes).toBeGreaterThan(0);
  });

  it('re-renders the neighbours whose previous/next or related lessons changed and invalidates only those paths', async () => {
    // Prepare
    const { store, site, invalidator } = await publishedUnit();

    // Act: b gets a new title; a (next → b) and c (previous → b) show that title.
    const result = await ingest([lessonFile('b', 2, { title: 'Backoff, renamed' })], { store, site, invalidator });

    // Assess
    expect(result.pages.filter((p) => p.startsWith('lessons/')).sort()).toEqual(['lessons/a/index.html', 'lessons/b/index.html', 'lessons/c/index.html']);
    expect(site.objects.get('lessons/a/index.html')?.body).toContain('Backoff, renamed →');
    expect(site.objects.get('lessons/c/index.html')?.body).toContain('← Backoff, renamed');
    expect(invalidator.calls).toEqual([['/lessons/a/', '/lessons/a/index.html', '/lessons/b/', '/lessons/b/index.html', '/lessons/c/', '/lessons/c/index.html', '/', '/index.html', '/catalog.json', '/concepts/', '/concepts/index.html']]);
  });

  it('invalidates the pages of lessons that existed before, not those published for the first time', async () => {
    // Prepare
    const { store, site, invalidator } = await publishedUnit();

    // Act
    await ingest([lessonFile('d', 4)], { store, site, invalidator });

    // Assess: d is new; c gains d as its next lesson, and every lesson sharing "retries" lists d.
    expect(site.objects.has('lessons/d/index.html')).toBe(true);
    expect(invalidator.calls).toEqual([['/lessons/a/', '/lessons/a/index.html', '/lessons/b/', '/lessons/b/index.html', '/lessons/c/', '/lessons/c/index.html', '/', '/index.html', '/catalog.json', '/concepts/', '/concepts/index.html']]);
  });

  it('keeps both lessons on the home page when two ingests run at once', async () => {
    // Prepare: run A stalls while writing the home page until run B has finished
    const { store, site } = await publishedUnit();
    let releaseA!: () => void;
    const aMayContinue = new Promise<void>((resolve) => (releaseA = resolve));
    let stalled = false;
    const stallingSite = {
      put: async (path: string, body: string, type: string) => {
        if (path === 'index.html' && !stalled) {
          stalled = true;
          await aMayContinue;
        }
        await site.put(path, body, type);
      },
      putImmutable: (path: string, body: Uint8Array, type: string) => site.putImmutable(path, body, type),
      delete: (path: string) => site.delete(path),
    };

    // Act
    const runA = ingest([lessonFile('d', 4)], { store, site: stallingSite });
    await vi.waitUntil(() => stalled, { timeout: 15_000 }); // generous: a loaded machine is slow, not wrong
    await ingest([lessonFile('e', 5)], { store, site });
    releaseA();
    await runA;

    // Assess
    const listed = JSON.parse(site.objects.get('catalog.json')?.body ?? '{}').tracks[0].units[0].lessons.map((l: { id: string }) => l.id);
    expect(listed).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(site.objects.get('index.html')?.body).toContain('/lessons/e/');
  });

  it('re-renders only the changed lesson when its edit leaves the catalog as it was', async () => {
    const { store, site, invalidator } = await publishedUnit();
    const result = await ingest([lessonFile('b', 2, { prose: 'A clarified paragraph.' })], { store, site, invalidator });
    expect(result.pages).toEqual(['lessons/b/index.html']);
    expect(invalidator.calls).toEqual([['/lessons/b/', '/lessons/b/index.html']]);
  });

  it('lists related lessons under "Appears again in" and links them from the concept index', async () => {
    const store = await freshStore();
    const site = new MemorySite();
    await ingest(threeLessons(), { store, site });
    const page = site.objects.get('lessons/a/index.html')?.body ?? '';
    expect(page).toMatch(/<h2 id="appears-again">Appears again in<\/h2>[\s\S]*href="\/lessons\/b\/"[\s\S]*href="\/lessons\/c\/"/);
    expect(site.objects.get('concepts/index.html')?.body).toMatch(/id="concept-retries"[\s\S]*\/lessons\/a\/[\s\S]*\/lessons\/b\/[\s\S]*\/lessons\/c\//);
  });

  it('takes a removed lesson down: page, catalog entry and answer keys go, its neighbours are re-linked', async () => {
    // Prepare
    const { store, site } = await publishedUnit();

    // Act
    const result = await ingest([], { store, site }, ['apis/retries/b.md']);

    // Assess
    expect(result.removed).toEqual(['b']);
    expect(site.objects.has('lessons/b/index.html')).toBe(false);
    expect((await readCatalog(store)).tracks[0]?.units[0]?.lessons.map((l) => l.id)).toEqual(['a', 'c']);
    expect(await listAnswerKeys(store, 'b')).toEqual([]);
    expect(site.objects.get('lessons/a/index.html')?.body).toContain('href="/lessons/c/">Lesson c →');
  });

  it('retires a deleted item id: it cannot come back as a different item, but may be restored unchanged', async () => {
    // Prepare
    const { store, site } = await publishedUnit();
    await ingest([lessonFile('b', 2, { mcqId: 'b-other' })], { store, site });

    // Act
    const reuse = await ingest([lessonFile('b', 2, { mcqPrompt: 'A different question?' })], { store, site });
    const restore = await ingest([lessonFile('b', 2)], { store, site });

    // Assess
    expect(reuse.failures[0]?.message).toMatch(/apis\/retries\/b\.md:\d+:\d+ item id "b-mcq" was retired on \d{4}-\d\d-\d\d and cannot come back as a different item/);
    expect(reuse.failures[0]?.problems[0]?.line).toBe(lessonFile('b', 2).body.split('\n').indexOf('id: b-mcq') + 1);
    expect(restore.failures).toEqual([]);
    expect(await getAnswerKey(store, 'b', 'b-mcq')).toMatchObject({ kind: 'mcq' });
    expect(await getAnswerKey(store, 'b', 'b-other')).toBeUndefined();
  });

  it('writes the other pages and the home page when one lesson page fails to be written, and reports that one', async () => {
    // Prepare: the site refuses lesson b's page.
    const store = await freshStore();
    const site = new MemorySite();
    const reporter = new RecordingReporter();
    const refusing = {
      put: async (path: string, body: string, type: string) => {
        if (path === 'lessons/b/index.html') throw new Error('site bucket unavailable');
        await site.put(path, body, type);
      },
      putImmutable: (path: string, body: Uint8Array, type: string) => site.putImmutable(path, body, type),
      delete: (path: string) => site.delete(path),
    };

    // Act
    const result = await ingest(threeLessons(), { store, site: refusing, reporter });

    // Assess
    expect(result.failures.map((f) => f.key)).toEqual(['b']);
    expect(result.failures[0]?.message).toContain('site bucket unavailable');
    expect(site.objects.has('lessons/a/index.html')).toBe(true);
    expect(site.objects.has('lessons/c/index.html')).toBe(true);
    expect(site.objects.get('index.html')?.body).toContain('/lessons/c/');
    expect(reporter.reports).toEqual([result.failures]);
  });

  it('reports a lesson too large for the table, writes nothing of it, and tries it again on the next sync', async () => {
    // Prepare: a body past DynamoDB's 400 KB item limit.
    const { store, site, reporter } = await publishedUnit();
    const huge = lessonFile('b', 2, { prose: 'A sentence that makes the lesson long. '.repeat(12_000) });

    // Act
    const first = await ingest([huge], { store, site, reporter });
    const again = await ingest([huge], { store, site, reporter });
    const fixed = await ingest([lessonFile('b', 2, { prose: 'A shorter paragraph.' })], { store, site, reporter });

    // Assess
    for (const run of [first, again]) {
      expect(run.unchanged).toEqual([]);
      // Retrying the queue message cannot make it fit: reported, not redelivered.
      expect(run.retry).toEqual([]);
      // The validator's file-size limit refuses it before the table could.
      expect(run.failures[0]?.message).toMatch(/^apis\/retries\/b\.md:\d+:1 this file is \d+ KiB, over the limit of 100 KiB/);
    }
    expect(reporter.reports).toHaveLength(2);
    expect(fixed.lessons).toEqual(['b']);
    expect(site.objects.get('lessons/b/index.html')?.body).toContain('A shorter paragraph.');
  });

  it('writes only content partitions: no concept index item, nothing outside TRACK#, UNIT#, LESSON# and SITE#', async () => {
    // Prepare
    const { store } = await publishedUnit();

    // Act
    const items = (await store.doc.send(new ScanCommand({ TableName: store.tableName, ProjectionExpression: 'pk' }))).Items ?? [];

    // Assess
    expect(items.length).toBeGreaterThan(0);
    expect(items.filter((i) => !contentPartitionPrefixes.some((p) => String(i.pk).startsWith(p)))).toEqual([]);
    expect(items.some((i) => String(i.pk).startsWith('CONCEPTS'))).toBe(false);
  });

  it('lists the bucket for a prose edit never, and once for a lesson naming a file not yet ingested', async () => {
    // Prepare
    const { store, site } = await publishedUnit();
    let listings = 0;
    const keys = [...threeLessons().map((o) => o.key), 'apis/retries/later.md'];
    const source = { listKeys: async () => (listings++, keys) };

    // Act
    await ingest([lessonFile('b', 2, { prose: 'A clarified paragraph.' })], { store, site, source });
    const afterEdit = listings;
    const result = await ingest([lessonFile('d', 4, { prerequisites: ['later'] }), lessonFile('e', 5, { prerequisites: ['later'] })], { store, site, source });

    // Assess
    expect(afterEdit).toBe(0);
    expect(listings).toBe(1);
    expect(result.lessons).toEqual(['d', 'e']);
  });

  it('accepts a prerequisite that is in the bucket but not ingested yet (S3 events arrive in any order)', async () => {
    const store = await freshStore();
    const source = { listKeys: async () => [...unitMeta.map((o) => o.key), 'apis/retries/a.md', 'apis/retries/b.md'] };
    const result = await ingest([...unitMeta, lessonFile('b', 2, { prerequisites: ['a'] })], { store, site: new MemorySite(), source });
    expect(result.failures).toEqual([]);
    expect(result.lessons).toEqual(['b']);
  });
});

describe('catalog and health handlers', () => {
  let catalogHandler: Handler;
  let healthHandler: Handler;

  beforeAll(async () => {
    const store = await freshStore();
    await ingest([...securityMeta, { key: 'security/oauth/authorization-code-pkce.md', body: sampleLesson }], { store, site: new MemorySite(), source: sampleFigures });
    useStoreEnv(store);
    catalogHandler = (await import('../../lambdas/api/catalog')).handler as unknown as Handler;
    healthHandler = (await import('../../lambdas/api/system')).handler as unknown as Handler;
  });

  it('GET /api/catalog returns tracks, units and lessons from the table', async () => {
    // Act
    const response = await catalogHandler(getEvent('/api/catalog'), lambdaContext('catalog'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Content-Type']).toBe('application/json');
    const body = JSON.parse(response.body ?? '{}');
    expect(body.tracks[0].units[0].lessons[0]).toMatchObject({ id: 'authorization-code-pkce', title: 'The authorization code flow with PKCE' });
  });

  it('GET /api/health answers 200 when the table can be read', async () => {
    const response = await healthHandler(getEvent('/api/health'), lambdaContext('system'));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ status: 'ok' });
  });
});
