import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { apiEvent, lambdaContext } from '../bin/local/adapter';
import { contentFolderFigures, readContentTree } from '../bin/local/content';
import { createLocalTable, startDynamoDbLocal } from '../bin/local/dynamodb';
import { startLocalIssuer } from '../bin/local/oidc';
import { repoRoot } from '../lib/paths';
import { MemorySite } from '../bin/local/site';
import { grade, ratingOf } from '../lambdas/domain/grading';
import { schedule } from '../lambdas/domain/scheduling';
import { ingest } from '../lambdas/events/ingest';
import { getAnswerKey } from '../lambdas/store/answer-keys';
import { recordAnswer } from '../lambdas/store/attempts';
import { createStore } from '../lambdas/store/client';
import { claim, complete } from '../lambdas/store/idempotency';
import { getCard } from '../lambdas/store/reviews';

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

/**
 * DynamoDB Local with one table, the local issuer, and the environment the API handlers read, shared
 * by the API benchmarks of one run: the handlers keep their store, limiter and verifier for the life
 * of the process (as in Lambda), so every benchmark must talk to the same ones. `stopApiBench()` ends
 * them. The limiter's store bound is raised as in the API tests: on a busy machine it would measure
 * DynamoDB Local's queue, and a signed-in request fails closed on it.
 */
let shared: Promise<{ dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>; issuer: Awaited<ReturnType<typeof startLocalIssuer>> }> | undefined;
export const startApiBench = () => (shared ??= startSharedApiBench());
export async function stopApiBench() {
  if (!shared) return;
  const { dynamo, issuer } = await shared;
  shared = undefined;
  await issuer.stop();
  await dynamo.stop();
}

async function startSharedApiBench() {
  const tableName = 'bench-api';
  const dynamo = await startDynamoDbLocal();
  const issuer = await startLocalIssuer();
  await createLocalTable(dynamo.endpoint, tableName);
  Object.assign(process.env, issuer.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'local',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_LAMBDA_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    RATE_LIMIT_STORE_TIMEOUT_MS: '5000',
  });
  return { dynamo, issuer };
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function measureGradedAttempt(iterations: number): Promise<LatencyRow[]> {
  const { dynamo, issuer } = await startApiBench();
  const tableName = process.env.TABLE_NAME!;
  {
    const store = createStore({ tableName, endpoint: dynamo.endpoint });
    const content = (await readContentTree(join(repoRoot, 'content'))).filter((o) => o.key.startsWith('security/'));
    await ingest(content, { store, site: new MemorySite(), source: contentFolderFigures(join(repoRoot, 'content')) });
    const { handler } = (await import('../lambdas/api/attempts')) as unknown as { handler: Handler };
    // Spread over the dev users: 320 attempts in a few seconds from one learner would meet its own
    // rate limit (300 per minute), and the chain is measured here, not the limiter's 429.
    const tokens = await Promise.all(['ada', 'grace', 'alan'].map((sub) => issuer.mintAccessToken(sub)));
    let turn = 0;
    const lessonId = 'authorization-code-pkce';
    const body = { itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } };

    const viaChain = async () => {
      const path = `/api/lessons/${lessonId}/attempts`;
      const event = apiEvent({
        method: 'POST',
        template: '/api/lessons/{id}/attempts',
        path,
        params: { id: lessonId },
        headers: { authorization: `Bearer ${tokens[turn++ % tokens.length]}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify(body),
      });
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
  }
}
