import { createServer, type RequestListener, type Server } from 'node:http';
import { watch, type FSWatcher } from 'chokidar';
import { join, relative } from 'node:path';
import { apiFunctions, matchRoute } from '../../lambdas/api/routes';
import { ingest, republishAll, type ContentEvent, type ContentSource, type IngestResult } from '../../lambdas/events/ingest';
import { recordIngestReport, verdictsOf } from '../../lambdas/events/verdicts';
import { createFailureReporter } from '../../lambdas/events/report';
import { listCatalog } from '../../lambdas/store/catalog';
import { createStore } from '../../lambdas/store/client';
import { answerClientError, buildEvent, lambdaContext, MAX_HEADER_BYTES, readBody, writeResult, type LambdaHandler } from './adapter';
import { readContentTree, readFigureFile } from './content';
import { referencedFigures } from '../content/figures';
import { FIGURE_PREFIX, hashedFigureName } from '../../lambdas/domain/figures';
import { repoRoot } from '../../lib/paths';
import { createLocalTable, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { PlatformError } from './errors';
import { devUsers, startLocalIssuer, type LocalIssuer } from './oidc';
import { CALLBACK_PATH, NOT_FOUND_PAGE } from '../../lambdas/render';
import { buildSite } from '../../web/build';
import { contentSecurityPolicy, figureContentSecurityPolicy } from '../../web/csp';
import { MemorySite, resolveSitePath } from './site';
import { startStreamPoller, tableStreamConsumers, type StreamPoller } from './streams';
import { bannerFor, DEV_BANNER_CSS_PATH, devBannerCss, withBanner } from './dev-banner';
import type { SQSEvent } from 'aws-lambda';
import { createQueueIngestHandler } from '../../lambdas/events/s3-handler';
import { startLocalS3, type LocalS3 } from './s3';


export interface PlatformOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  contentDir?: string;
  /** Keep DynamoDB Local's data in this folder instead of memory. */
  dataDir?: string;
  /** Use an already running DynamoDB Local instead of starting one (tests). */
  dynamoEndpoint?: string;
  tableName?: string;
  /** Re-ingest a lesson when its file is saved. */
  watch?: boolean;
  /** Serve the S3-compatible content bucket whose uploads run the cloud's ingest path (default on). */
  s3?: boolean;
  log?: (line: string) => void;
}

export interface Platform {
  url: string;
  port: number;
  dynamo: { endpoint: string; pid: number | undefined };
  site: MemorySite;
  /** The local OIDC issuer the API verifies tokens against (dev users, token minting for tests). */
  identity: LocalIssuer;
  /** The local content bucket (`content publish --local`), when started. */
  s3: LocalS3 | undefined;
  tableName: string;
  lastIngest: IngestResult;
  /** Content files rejected by the latest sync (shown in the dev banner). */
  failures: IngestResult['failures'];
  stop(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PlatformError(`Port ${port} on ${host} is already in use: stop whatever holds it or start with PORT=<another port>.`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Loads every API handler named in the shared route table. */
async function loadRoutes() {
  const routes: { method: string; template: string; functionName: string; handler: LambdaHandler }[] = [];
  for (const [functionName, fn] of Object.entries(apiFunctions)) {
    const module = (await import(join(repoRoot, fn.entry))) as { handler: LambdaHandler };
    for (const route of fn.routes) routes.push({ method: route.method, template: route.path, functionName, handler: module.handler });
  }
  return routes;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const host = options.host ?? '127.0.0.1';
  const contentDir = options.contentDir ?? join(repoRoot, 'content');
  const tableName = options.tableName ?? 'rungs-local';
  const log = options.log ?? (() => {});
  // The same build the Site construct deploys: hashed assets and the pages that need no content.
  const build = buildSite();
  const site = new MemorySite();
  for (const [path, body] of build.pages) await site.put(path, body, 'text/html; charset=utf-8');

  // Claim the port first: a taken port should fail fast, before Java starts. Until everything is up,
  // requests get a 503 instead of hanging.
  let handle: RequestListener = (_req, res) => {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' }).end('Rungs is starting…\n');
  };
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => handle(req, res));
  // Over-long headers and other parse failures are answered as the API answers any refusal.
  server.on('clientError', answerClientError);
  const port = await listen(server, options.port, host);

  let dynamo: DynamoDbLocal | undefined;
  let identity: LocalIssuer | undefined;
  let watcher: FSWatcher | undefined;
  let streams: StreamPoller | undefined;
  let s3: LocalS3 | undefined;
  // Stopping twice (a test's hooks, Ctrl-C during shutdown) waits for the one shutdown.
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= shutdown());
  const shutdown = async () => {
    await watcher?.close();
    await s3?.stop();
    await streams?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await identity?.stop();
    await dynamo?.stop();
  };

  try {
    let endpoint = options.dynamoEndpoint;
    if (!endpoint) {
      dynamo = await startDynamoDbLocal(options.dataDir ? { dataDir: options.dataDir } : {});
      endpoint = dynamo.endpoint;
    }
    log(`DynamoDB Local on ${endpoint}${options.dataDir ? ` (data in ${options.dataDir})` : ' (in memory)'}`);

    await createLocalTable(endpoint, tableName);

    // The handlers read their configuration from the environment, as they do in Lambda.
    process.env.TABLE_NAME = tableName;
    process.env.DYNAMODB_ENDPOINT = endpoint;
    process.env.AWS_REGION ??= 'local';
    // Sign-in and token verification run for real against a local issuer; Powertools stays quiet.
    identity = await startLocalIssuer({ host, redirectUris: [`http://${host}:${port}${CALLBACK_PATH}`] });
    Object.assign(process.env, identity.env);
    // The same shape as the config.json the Site construct deploys, pointing at the local issuer.
    await site.put('config.json', JSON.stringify(localSiteConfig(identity)), 'application/json');
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    // DynamoDB Local on a busy laptop can take longer than the limiter's 150 ms bound for a real table.
    process.env.RATE_LIMIT_STORE_TIMEOUT_MS ??= '2000';
    log(`OIDC issuer on ${identity.issuer} (dev users: ${devUsers.map((u) => u.sub).join(', ')})`);
    const store = createStore({ tableName, endpoint });
    // The table's stream consumers (item statistics) run as their Lambda functions do in AWS.
    streams = await startStreamPoller({ endpoint, tableName, consumers: tableStreamConsumers, log });

    // Locally the content folder is the bucket: listing it tells ingest which files exist, and
    // figures are read from it as they are from the bucket.
    const source: ContentSource = { listKeys: async () => (await readContentTree(contentDir)).map((o) => o.key), readFigure: (key, maxBytes) => readFigureFile(contentDir, key, maxBytes) };
    const reporter = createFailureReporter({ log: () => {} });
    const ingestFiles = async (objects: Awaited<ReturnType<typeof readContentTree>>, removed: string[] = []) => {
      const result = await ingest(objects, { store, site, source, reporter, assets: build.manifest }, removed);
      for (const failure of result.failures) log(`content error: ${failure.message}`);
      // The dashboard's reports, as the queue ingest keeps them; every file of the folder is offered
      // on each save, so only what the sync changed or rejected is worth a row.
      const at = new Date();
      const events = [...objects.map((o): ContentEvent => ({ kind: 'put', key: o.key })), ...removed.map((key): ContentEvent => ({ kind: 'remove', key }))];
      await recordIngestReport(store, verdictsOf(objects, events, result, at).filter((v) => v.verdict !== 'unchanged'), at, (line) => log(JSON.stringify(line)));
      return result;
    };
    // The folder is the bucket: every file is offered (unchanged ones cost nothing) and every published
    // lesson whose file is gone is removed, so deletions made while stopped, or of whole folders, count.
    const syncTree = async () => {
      const objects = await readContentTree(contentDir);
      const present = new Set(objects.map((o) => o.key));
      const published = (await listCatalog(store)).sources;
      const removed = [...published.values()].map((p) => p.source).filter((key) => !present.has(key));
      return ingestFiles(objects, removed);
    };
    // A bad file never stops the platform from starting: it is reported (terminal and banner) and
    // every other file is published.
    let firstIngest: IngestResult;
    let broken = false;
    try {
      firstIngest = await syncTree();
    } catch (error) {
      log(`content sync failed: ${error instanceof Error ? error.message : String(error)}`);
      firstIngest = { lessons: [], tracks: [], units: [], removed: [], unchanged: [], stale: [], refreshed: [], figures: [], pages: [], invalidated: [], failures: [], skipped: [], passes: 0, deferred: false, retry: [] };
      broken = true;
    }
    if (options.s3 ?? true) {
      // The cloud's path: an upload to the bucket becomes S3 notifications on a queue, handed over in
      // SQS-shaped batches to the same queue ingest handler the Lambda runs; only the pages land in
      // the in-memory site.
      let ingestBatch: ((batch: SQSEvent) => Promise<void>) | undefined;
      s3 = await startLocalS3({ host, log, onBatch: (batch) => ingestBatch?.(batch) ?? Promise.resolve() });
      const handler = createQueueIngestHandler({ s3: s3.client(), store, siteBucket: 'local-site', contentBucket: s3.bucket, site, assets: build.manifest, countFailures: () => {}, log: () => {} });
      ingestBatch = async (batch) => {
        const { result, batchItemFailures } = await handler(batch);
        if (result) {
          platform.lastIngest = result;
          platform.failures = result.failures;
          for (const failure of result.failures) log(`content error: ${failure.message}`);
        }
        if (batchItemFailures.length > 0) log(`local S3 ingest: ${batchItemFailures.length} messages would be delivered again`);
      };
      log(`S3 endpoint on ${s3.endpoint} (bucket ${s3.bucket}: npm run content -- publish --local)`);
    }
    // A kept table (RUNGS_DATA) already holds every lesson, but the in-memory site starts empty:
    // its pages, and the figures they name (the same hashed names ingest gave them).
    await republishAll({ store, site, assets: build.manifest });
    for (const figure of await referencedFigures(contentDir, await readContentTree(contentDir))) await site.putImmutable(hashedFigureName(figure.key, figure.bytes), figure.bytes, figure.contentType);
    const platform: Platform = {
      url: `http://${host}:${port}`,
      port,
      dynamo: { endpoint, pid: dynamo?.pid },
      site,
      identity,
      s3,
      tableName,
      lastIngest: firstIngest,
      failures: firstIngest.failures,
      stop,
    };
    log(`Ingested ${platform.lastIngest.lessons.length} lessons, ${platform.lastIngest.failures.length} with errors`);

    const routes = await loadRoutes();
    // The production policy, with the local issuer as the identity provider the browser may call.
    const csp = contentSecurityPolicy([identity.issuer], { upgradeInsecureRequests: false });
    const figureCsp = figureContentSecurityPolicy();
    handle = async (req, res) => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname.startsWith('/api/')) {
          const method = req.method ?? 'GET';
          for (const route of routes) {
            const params = route.method === method ? matchRoute(route.template, url.pathname) : undefined;
            if (!params) continue;
            const event = buildEvent(req, await readBody(req), { method, template: route.template, params });
            writeResult(res, await route.handler(event, lambdaContext(route.functionName)));
            return;
          }
          // API Gateway answers unknown routes itself, before any function runs.
          res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
          return;
        }
        if (url.pathname === DEV_BANNER_CSS_PATH) {
          res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }).end(devBannerCss);
          return;
        }
        const found = resolveSitePath(site, build.files, url.pathname);
        if (found) {
          // Live preview only: the current content errors, on the home page and lesson pages.
          const banner = typeof found.body === 'string' && found.contentType.startsWith('text/html') ? bannerFor(url.pathname, platform.failures) : undefined;
          const body = banner ? withBanner(found.body as string, banner) : found.body;
          // Figures get their own sandboxing policy, as CloudFront's /figures/* behaviour sends it.
          const policy = url.pathname.startsWith(`/${FIGURE_PREFIX}`) ? figureCsp : csp;
          res.writeHead(200, { 'Content-Type': found.contentType, 'Cache-Control': found.cacheControl, 'Content-Security-Policy': policy }).end(body);
          return;
        }
        // The site's own 404 page, with the same CSP as every other page (CloudFront serves it the same way).
        const notFound = site.objects.get(NOT_FOUND_PAGE)?.body ?? 'Not found';
        res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Security-Policy': csp }).end(notFound);
      } catch (error) {
        log(`request failed: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    };

    if (options.watch) {
      // Live preview: a saved file is re-ingested through the same code as an S3 upload. chokidar
      // follows editors that save by rename (vim, JetBrains safe write, sed -i), where Node's own
      // recursive watcher loses the file after the first replaced inode.
      let running: Promise<void> | undefined;
      let again = false;
      const sync = async (changed: string) => {
        try {
          const result = await syncTree();
          // After a failed sync the table may hold versions whose pages were never written (ingest
          // stopped between the two): render every page again, so no lesson stays stale for good.
          if (broken) {
            await republishAll({ store, site, assets: build.manifest });
            broken = false;
          }
          platform.lastIngest = result;
          platform.failures = result.failures;
          if (result.pages.length > 0) log(`${result.removed.length > 0 && result.lessons.length === 0 ? 'removed' : 're-ingested'} ${relative(repoRoot, changed)}`);
        } catch (error) {
          broken = true;
          log(`watch: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      // One sync at a time; saves that arrive meanwhile are folded into one more sync.
      const schedule = (changed: string) => {
        if (running) {
          again = true;
          return;
        }
        running = (async () => {
          do {
            again = false;
            await sync(changed);
          } while (again);
          running = undefined;
        })();
      };
      watcher = watch(contentDir, { ignoreInitial: true, atomic: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 20 } });
      watcher.on('all', (_event, path) => schedule(path));
      watcher.on('error', (error) => log(`watch: ${error instanceof Error ? error.message : String(error)}`));
      await new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
    }
    return platform;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `/config.json` for the local issuer: discovery supplies the endpoints, as for any external OIDC issuer. */
function localSiteConfig(identity: LocalIssuer) {
  return {
    provider: 'oidc',
    issuer: identity.issuer,
    clientId: identity.clientId,
    discoveryUrl: `${identity.issuer}/.well-known/openid-configuration`,
    redirectPath: CALLBACK_PATH,
    scopes: ['openid', 'profile'],
  };
}
