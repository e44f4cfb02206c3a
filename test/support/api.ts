import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { join } from 'node:path';
import { apiEvent, lambdaContext } from '../../bin/local/adapter';
import { contentFolderFigures, readContentTree } from '../../bin/local/content';
import { devUsers, startLocalIssuer, type LocalIssuer } from '../../bin/local/oidc';
import { MemorySite } from '../../bin/local/site';
import { startStreamPoller, tableStreamConsumers } from '../../bin/local/streams';
import { apiFunctions, matchRoute, type ApiFunctionName } from '../../lambdas/api/routes';
import { ingest } from '../../lambdas/events/ingest';
import type { Store } from '../../lambdas/store/client';
import { repoRoot } from '../../lib/paths';
import { freshStore, useStoreEnv } from './store';

/**
 * An API under test: the real handlers (full middleware chain) on a fresh DynamoDB Local table with
 * the sample security track ingested, verifying tokens against a real local OIDC issuer.
 */


type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  token?: string;
  body?: unknown;
  /** A raw body string, sent as is (malformed JSON and the like). */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** `name=value` pairs, as API Gateway puts them in the event's `cookies`. */
  cookies?: string[];
  /** The caller's address as API Gateway sees it (apiEvent's default otherwise). */
  sourceIp?: string;
}

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export interface TestApi {
  store: Store;
  issuer: LocalIssuer;
  call(request: Request): Promise<Response>;
  /** Lets the table's stream consumers (the statistics aggregator) handle everything written so far. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** The route (and its function) that answers a method and path, as API Gateway would pick it. */
function resolve(method: string, path: string) {
  for (const [name, fn] of Object.entries(apiFunctions) as [ApiFunctionName, (typeof apiFunctions)[ApiFunctionName]][]) {
    for (const route of fn.routes) {
      if (route.method !== method) continue;
      const params = matchRoute(route.path, path);
      if (params) return { name, template: route.path, params };
    }
  }
  return undefined;
}

export async function startTestApi(options: { logLevel?: string; accessTokenTtlSeconds?: number } = {}): Promise<TestApi> {
  const store = await freshStore();
  useStoreEnv(store);
  // The dev users plus a few learners whose partitions start empty, so tests stay independent.
  const learners = ['linus', 'edsger', 'barbara', 'margaret', 'katherine', 'frances', 'ken', 'hedy', 'dorothy', 'annie', 'joan'].map((sub) => ({ sub, name: sub, email: `${sub}@rungs.local`, groups: [] }));
  const issuer = await startLocalIssuer({ users: [...devUsers, ...learners], ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}) });
  // The limiter's 150 ms bound measures DynamoDB Local's queue on a busy machine, not the API: raise it.
  Object.assign(process.env, issuer.env, { POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', RATE_LIMIT_STORE_TIMEOUT_MS: '5000' });
  const content = (await readContentTree(join(repoRoot, 'content'))).filter((o) => o.key.startsWith('security/'));
  const result = await ingest(content, { store, site: new MemorySite(), source: contentFolderFigures(join(repoRoot, 'content')) });
  if (result.failures.length) throw new Error(`sample content failed to ingest: ${result.failures[0]!.message}`);

  // The stream consumers run as under `npm start`; tests drain them explicitly before reading statistics.
  const streams = await startStreamPoller({ endpoint: store.endpoint, tableName: store.tableName, consumers: tableStreamConsumers, intervalMs: 60_000 });

  const handlers = new Map<ApiFunctionName, Handler>();
  const handlerOf = async (name: ApiFunctionName) => {
    if (!handlers.has(name)) handlers.set(name, ((await import(join(repoRoot, apiFunctions[name].entry))) as { handler: Handler }).handler);
    return handlers.get(name)!;
  };

  return {
    store,
    issuer,
    async call(request) {
      const route = resolve(request.method, request.path);
      if (!route) throw new Error(`no route for ${request.method} ${request.path}`);
      const headers: Record<string, string> = { 'content-type': 'application/json', ...request.headers };
      if (request.token) headers.authorization = `Bearer ${request.token}`;
      const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
      const event = apiEvent({
        method: request.method,
        template: route.template,
        path: request.path,
        params: route.params,
        rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
        headers,
        ...(request.cookies?.length ? { cookies: request.cookies } : {}),
        ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
        ...(body !== undefined ? { body } : {}),
      });
      const result = await (await handlerOf(route.name))(event, lambdaContext(route.name));
      const responseHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const text = result.body ?? '';
      return { status: result.statusCode ?? 200, headers: responseHeaders, body: text && /json/.test(responseHeaders['content-type'] ?? '') ? JSON.parse(text) : text };
    },
    settle: () => streams.drain(),
    async stop() {
      await streams.stop();
      await issuer.stop();
    },
  };
}
