import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { lambdaContext } from '../bin/local/adapter';
import { readContentTree } from '../bin/local/content';
import { localDynamoClient, startDynamoDbLocal } from '../bin/local/dynamodb';
import { startLocalIssuer } from '../bin/local/oidc';
import { repoRoot } from '../bin/local/platform';
import { MemorySite } from '../bin/local/site';
import { grade, ratingOf } from '../lambdas/domain/grading';
import { schedule } from '../lambdas/domain/scheduling';
import { ingest } from '../lambdas/events/ingest';
import { getAnswerKey } from '../lambdas/store/answer-keys';
import { recordAnswer } from '../lambdas/store/attempts';
import { createStore } from '../lambdas/store/client';
import { claim, complete } from '../lambdas/store/idempotency';
import { getCard } from '../lambdas/store/reviews';
import { createTableFromSchema } from '../lambdas/store/table';

/**
 * A signed-in graded attempt (POST /api/lessons/{id}/attempts with an Idempotency-Key) through the
 * whole middleware chain — observability, JWT verification against the local issuer, idempotency,
 * grading, FSRS — against the bare DynamoDB calls that request makes (claim the key, read the answer
 * key and the card, the transactional write, store the response), on the same DynamoDB Local, with
 * the two interleaved so that both see the same machine state.
 */

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LatencyRow {
  measure: string;
  p50: number;
  p99: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function measureGradedAttempt(iterations: number): Promise<LatencyRow[]> {
  const dynamo = await startDynamoDbLocal();
  const issuer = await startLocalIssuer();
  try {
    const tableName = 'bench-api';
    const client = localDynamoClient(dynamo.endpoint);
    await createTableFromSchema(client, tableName);
    client.destroy();
    Object.assign(process.env, issuer.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const store = createStore({ tableName, endpoint: dynamo.endpoint });
    const content = (await readContentTree(join(repoRoot, 'content'))).filter((o) => o.key.startsWith('security/'));
    await ingest(content, { store, site: new MemorySite() });
    const { handler } = (await import('../lambdas/api/attempts')) as unknown as { handler: Handler };
    // Spread over the dev users: 320 attempts in a few seconds from one learner would meet its own
    // rate limit (300 per minute), and the chain is measured here, not the limiter's 429.
    const tokens = await Promise.all(['ada', 'grace', 'alan'].map((sub) => issuer.mintAccessToken(sub)));
    let turn = 0;
    const lessonId = 'authorization-code-pkce';
    const body = { itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } };

    const viaChain = async () => {
      const path = `/api/lessons/${lessonId}/attempts`;
      const event = {
        version: '2.0',
        routeKey: 'POST /api/lessons/{id}/attempts',
        rawPath: path,
        rawQueryString: '',
        headers: { authorization: `Bearer ${tokens[turn++ % tokens.length]}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        pathParameters: { id: lessonId },
        requestContext: { http: { method: 'POST', path, sourceIp: '127.0.0.1' }, requestId: randomUUID(), routeKey: 'POST /api/lessons/{id}/attempts' },
        body: JSON.stringify(body),
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2;
      const result = await handler(event, lambdaContext('attempts'));
      if (result.statusCode !== 201) throw new Error(`attempt answered ${result.statusCode}: ${result.body}`);
    };

    const bare = async () => {
      const scope = { sub: 'bench-bare', route: 'POST bare', key: randomUUID() };
      await claim(store, scope, 'f', Date.now(), { lockMs: 30_000, ttlSeconds: 3600 });
      const key = (await getAnswerKey(store, lessonId, body.itemId))!;
      const previousCard = await getCard(store, 'bench-bare', lessonId, body.itemId);
      const outcome = grade(key, body.answer);
      const at = new Date();
      await recordAnswer(store, { sub: 'bench-bare', key: { ...key, lessonId }, answer: body.answer, outcome, source: 'attempt', at, previousCard, cardItem: body.itemId, nextCard: schedule(previousCard?.card, ratingOf(outcome), at), right: true, day: at.toISOString().slice(0, 10) });
      await complete(store, scope, { statusCode: 201, headers: {}, body: '{}' });
    };

    // Warm up both paths (JWKS fetch, connection pools, JIT) before measuring.
    for (let i = 0; i < 20; i++) {
      await viaChain();
      await bare();
    }
    const chainMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < iterations; i++) {
      for (const [fn, out] of [[viaChain, chainMs], [bare, bareMs]] as const) {
        const started = performance.now();
        await fn();
        out.push(performance.now() - started);
      }
    }
    const row = (measure: string, values: number[]): LatencyRow => ({ measure, p50: percentile(values, 50), p99: percentile(values, 99) });
    const chain = row('full middleware chain', chainMs);
    const base = row('bare DynamoDB calls', bareMs);
    store.doc.destroy();
    return [chain, base, { measure: 'ratio chain / bare', p50: chain.p50 / base.p50, p99: chain.p99 / base.p99 }];
  } finally {
    await issuer.stop();
    await dynamo.stop();
  }
}
