import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiEvent, lambdaContext } from '../bin/local/adapter';
import { authenticate, createTokenVerifier } from '../lambdas/middleware/auth';
import { authConfigFromEnv } from '../lambdas/middleware/auth-config';
import { json, problemDetails } from '../lambdas/middleware/problem';
import { rateLimit } from '../lambdas/middleware/rate-limit';
import type { ApiContext, Identity } from '../lambdas/middleware/request-context';
import { defaultStore } from '../lambdas/store/client';
import { listProgress } from '../lambdas/store/progress';
import { defaultLimiterStore } from '../lambdas/ratelimit/store';
import { authorizeAtIssuer } from '../test/support/sign-in';
import { percentile, startApiBench, stopApiBench, type LatencyRow } from './api';

/**
 * Sessions: what "sign out everywhere" costs an ordinary authenticated request (GET /api/me/progress
 * behind authentication and the rate limiter), before and after this change, interleaved on one
 * DynamoDB Local: "before" is the same chain with a caller that carries no `iat`, so the limiter's
 * write has no revocation condition. DynamoDB calls are counted on the SDK clients themselves. Then
 * the p50 of POST /api/auth/refresh (claim the generation, rotate at the issuer, verify the token).
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface SessionBench {
  rows: (LatencyRow & { calls: number })[];
  refresh: LatencyRow & { calls: number };
}


export async function measureSessions(iterations: number): Promise<SessionBench> {
  const { issuer } = await startApiBench();
  try {

    let calls = 0;
    const count = { step: 'initialize' as const, name: 'benchCallCounter' };
    defaultStore().doc.middlewareStack.add((next) => async (args) => (calls++, next(args)), count);
    defaultLimiterStore().client.middlewareStack.add((next) => async (args) => (calls++, next(args)), count);

    const verify = createTokenVerifier(authConfigFromEnv());
    const withoutIat = async (token: string): Promise<Identity> => {
      const { issuedAt: _ignored, ...identity } = await verify(token);
      return identity;
    };
    const chain = (verifier: (token: string) => Promise<Identity>): Handler =>
      middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>()
        .use(problemDetails())
        .use(authenticate('required', { verify: verifier }))
        .use(rateLimit())
        .handler(async (_event, context) => json(200, { lessons: await listProgress(defaultStore(), context.caller!.sub) })) as unknown as Handler;
    const before = chain(withoutIat);
    const after = chain(verify);
    // Several learners, so that 300 requests a minute from one of them do not meet its rate limit.
    const tokens = await Promise.all(['ada', 'grace', 'alan'].map((sub) => issuer.mintAccessToken(sub)));
    let turn = 0;
    const request = async (handler: Handler) => {
      const event = apiEvent({ method: 'GET', template: '/api/me/progress', path: '/api/me/progress', headers: { authorization: `Bearer ${tokens[turn++ % tokens.length]}` } });
      const result = await handler(event, lambdaContext('bench'));
      if (result.statusCode !== 200) throw new Error(`progress answered ${result.statusCode}: ${result.body}`);
    };

    for (let i = 0; i < 20; i++) for (const handler of [before, after]) await request(handler);
    const samples = { before: { ms: [] as number[], calls: 0 }, after: { ms: [] as number[], calls: 0 } };
    for (let i = 0; i < iterations; i++) {
      for (const [name, handler] of [['before', before], ['after', after]] as const) {
        const startCalls = calls;
        const started = performance.now();
        await request(handler);
        samples[name].ms.push(performance.now() - started);
        samples[name].calls += calls - startCalls;
      }
    }
    const row = (measure: string, s: { ms: number[]; calls: number }) => ({ measure, p50: percentile(s.ms, 50), p99: percentile(s.ms, 99), calls: s.calls / iterations });

    // The refresh route: one signed-in session, refreshed over and over (each with the new cookie).
    const { handler: auth } = (await import('../lambdas/api/auth')) as unknown as { handler: Handler };
    const call = async (path: string, body: unknown, cookie?: string) => {
      const event = apiEvent({
        method: 'POST',
        template: path,
        path,
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        cookies: cookie ? [cookie] : [],
        body: JSON.stringify(body),
      });
      const result = await auth(event, lambdaContext('auth'));
      if (result.statusCode !== 200) throw new Error(`${path} answered ${result.statusCode}: ${result.body}`);
      return String(result.headers?.['Set-Cookie']).split(';')[0]!;
    };
    let cookie = await call('/api/auth/session', await authorizeAtIssuer(issuer.issuer, issuer.clientId, 'ada'));
    const refreshMs: number[] = [];
    const refreshes = Math.max(20, Math.floor(iterations / 3));
    const refreshStartCalls = calls;
    for (let i = 0; i < refreshes; i++) {
      const started = performance.now();
      cookie = await call('/api/auth/refresh', {}, cookie);
      refreshMs.push(performance.now() - started);
    }
    return {
      rows: [row('before (no revocation condition)', samples.before), row('after (revokedBefore in the limiter write)', samples.after)],
      refresh: { measure: `POST /api/auth/refresh (${refreshes} rotations, issuer round trip included)`, p50: percentile(refreshMs, 50), p99: percentile(refreshMs, 99), calls: (calls - refreshStartCalls) / refreshes },
    };
  } finally {
    await stopApiBench();
  }
}
