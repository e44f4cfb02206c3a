import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../bin/local/adapter';
import { MemorySite } from '../../bin/local/site';
import { ingest } from '../../lambdas/events/ingest';
import { getAnswerKey, listAnswerKeys } from '../../lambdas/store/answer-keys';
import { readCatalog } from '../../lambdas/store/catalog';
import { freshStore, useStoreEnv } from '../support/store';

const sampleLesson = readFileSync(new URL('../../content/security/oauth/authorization-code-pkce.md', import.meta.url), 'utf8');
const trackYaml = 'title: Security\norder: 1\ndescription: Tokens and identity.\n';
const unitYaml = 'title: OAuth\norder: 1\ndescription: Delegated access.\n';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const getEvent = (path: string) =>
  ({ version: '2.0', routeKey: `GET ${path}`, rawPath: path, rawQueryString: '', headers: {}, isBase64Encoded: false, requestContext: { http: { method: 'GET', path } } }) as unknown as APIGatewayProxyEventV2;

describe('content ingest into DynamoDB Local', () => {
  it('stores the lesson in the catalog and renders its page and the home page', async () => {
    // Prepare
    const store = await freshStore();
    const site = new MemorySite();

    // Act
    const result = await ingest(
      [
        { key: 'security/track.yaml', body: trackYaml },
        { key: 'security/oauth/unit.yaml', body: unitYaml },
        { key: 'security/oauth/authorization-code-pkce.md', body: sampleLesson },
      ],
      { store, site },
    );

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.lessons).toEqual(['authorization-code-pkce']);
    const catalog = await readCatalog(store);
    expect(catalog.tracks).toMatchObject([{ id: 'security', title: 'Security', units: [{ id: 'oauth', title: 'OAuth', lessons: [{ id: 'authorization-code-pkce', level: 'junior' }] }] }]);
    expect(site.objects.get('lessons/authorization-code-pkce/index.html')?.body).toContain('<h1>The authorization code flow with PKCE</h1>');
    expect(site.objects.get('index.html')?.body).toContain('href="/lessons/authorization-code-pkce/"');
    const answerKey = await getAnswerKey(store, 'authorization-code-pkce', 'pkce-protects');
    expect(answerKey).toMatchObject({ kind: 'mcq', correct: ['stolen-code'], choiceIds: ['stolen-code', 'stolen-token', 'phishing', 'csrf-only'] });
    expect((await listAnswerKeys(store, 'authorization-code-pkce')).map((k) => k.itemId).sort()).toEqual(['code-flow-recall', 'code-flow-steps', 'pkce-protects']);
  });

  it('reports a broken lesson with its position and still ingests the others', async () => {
    // Prepare
    const store = await freshStore();
    const site = new MemorySite();
    const broken = sampleLesson.replace('id: authorization-code-pkce', 'id: Not A Slug');

    // Act
    const result = await ingest(
      [
        { key: 'security/oauth/broken.md', body: broken },
        { key: 'security/oauth/authorization-code-pkce.md', body: sampleLesson },
      ],
      { store, site },
    );

    // Assess
    expect(result.failures).toEqual([{ key: 'security/oauth/broken.md', message: expect.stringMatching(/^security\/oauth\/broken\.md:2:\d+ id: must be lowercase/) }]);
    expect(result.lessons).toEqual(['authorization-code-pkce']);
    expect((await readCatalog(store)).tracks[0]?.units[0]?.lessons.map((l) => l.id)).toEqual(['authorization-code-pkce']);
  });

  it('rejects a lesson filed under a different track or unit than its front matter says', async () => {
    const store = await freshStore();
    const result = await ingest([{ key: 'apis/limits/authorization-code-pkce.md', body: sampleLesson }], { store, site: new MemorySite() });
    expect(result.failures[0]?.message).toMatch(/sits in apis\/limits\//);
    expect((await readCatalog(store)).tracks).toEqual([]);
  });
});

describe('catalog and health handlers', () => {
  let catalogHandler: Handler;
  let healthHandler: Handler;

  beforeAll(async () => {
    const store = await freshStore();
    await ingest([{ key: 'security/oauth/authorization-code-pkce.md', body: sampleLesson }], { store, site: new MemorySite() });
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
