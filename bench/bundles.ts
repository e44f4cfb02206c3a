import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { buildApp } from '../lib/app';
import { RungsFunction } from '../lib/constructs/rungs-function';
import { fromRoot } from '../lib/paths';
import { median } from './table';

export interface BundleMeasure {
  function: string;
  rawKiB: number;
  gzipKiB: number;
  /** Median wall time of `await import(bundle)` in fresh Node processes. */
  importMs: number;
  /** importMs over the bare DynamoDB handler's, measured in the same rounds. */
  ratio: number;
  /** Median CPU time (user + system) of the same imports: steadier than wall time on a busy machine. */
  importCpuMs: number;
  /** importCpuMs over the bare DynamoDB handler's. */
  cpuRatio: number;
  /** SDK clients that resolved to a stub in the import measure (not installed in this repository). */
  stubbed: string[];
}

/** The comparison row: a handler that only builds a DynamoDB document client (bench/bare-handler.ts). */
export const BARE_HANDLER = 'bare DynamoDB handler';

interface Bundle {
  function: string;
  file: string;
  bytes: Buffer;
  environment: Record<string, string>;
  /** SDK clients stubbed for the import measure because they are not installed here. */
  stubbed: string[];
}

type Template = {
  Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>;
};

/**
 * Synthesizes the app with real bundling (the same RungsFunction esbuild settings a deploy uses),
 * plus the bare handler through a RungsFunction of its own, then measures each bundle's size (source
 * maps excluded) and its import time: every round spawns one fresh Node process per bundle, in an
 * order that rotates between rounds, and times `await import()` of the bundle there. The AWS SDK is
 * left to the runtime by the bundling, so it resolves from this repository's node_modules (the
 * bundles are written below it), as it resolves from the runtime's own copy in Lambda.
 */
export function measureBundles(rounds = 7): BundleMeasure[] {
  const cache = fromRoot('node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'rungs-bench-cdk-'));
  try {
    const bundles = [...appBundles(join(outdir, 'app')), bareBundle(join(outdir, 'bare'))];
    const times = new Map(bundles.map((b) => [b.function, [] as ImportTime[]]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < bundles.length; i++) {
        const bundle = bundles[(i + round) % bundles.length]!;
        times.get(bundle.function)!.push(importTime(bundle));
      }
    }
    const medians = (name: string) => ({
      wall: median(times.get(name)!.map((t) => t.wallMs)),
      cpu: median(times.get(name)!.map((t) => t.cpuMs)),
    });
    const floor = medians(BARE_HANDLER);
    const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
    return bundles.map((b) => {
      const measured = medians(b.function);
      return {
        function: b.function,
        rawKiB: Math.round((b.bytes.length / 1024) * 10) / 10,
        gzipKiB: Math.round((gzipSync(b.bytes).length / 1024) * 10) / 10,
        importMs: round(measured.wall, 1),
        ratio: round(measured.wall / floor.wall, 2),
        importCpuMs: round(measured.cpu, 1),
        cpuRatio: round(measured.cpu / floor.cpu, 2),
        stubbed: b.stubbed,
      };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function appBundles(outdir: string): Bundle[] {
  const { app, stack } = buildApp({ outdir, context: { stage: 'dev', 'aws:cdk:enable-asset-metadata': true } });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Environment?.Variables?.TABLE_NAME)
    .map(([logicalId, resource]) => readBundle(outdir, logicalId.replace(/[0-9A-F]{8}$/, ''), resource))
    .sort((a, b) => a.function.localeCompare(b.function));
}

function bareBundle(outdir: string): Bundle {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BenchBare');
  new RungsFunction(stack, 'Bare', { entry: 'bench/bare-handler.ts', logRetention: RetentionDays.ONE_DAY, logRemovalPolicy: RemovalPolicy.DESTROY });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  const [, resource] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function')!;
  return readBundle(outdir, BARE_HANDLER, resource);
}

function readBundle(outdir: string, name: string, resource: Template['Resources'][string]): Bundle {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (!assetPath) throw new Error(`${name} has no asset path in its metadata`);
  const assetDir = join(outdir, assetPath);
  const files = readdirSync(assetDir).filter((f) => !f.endsWith('.map') && statSync(join(assetDir, f)).isFile());
  const entry = files.find((f) => f === 'index.mjs');
  if (!entry) throw new Error(`${name}: no index.mjs in ${assetDir}`);
  // Deploy-time values (references to other resources) become placeholders that parse as URLs (the
  // issuer must be one); plain values stay as deployed.
  const variables = resource.Properties?.Environment?.Variables ?? {};
  const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `https://bench.invalid/${k.toLowerCase()}`]));
  const bundle = { function: name, file: join(assetDir, entry), bytes: Buffer.concat(files.map((f) => readFileSync(join(assetDir, f)))), environment, stubbed: [] };
  return { ...bundle, stubbed: missingSdkClients(bundle) };
}

/**
 * Runs in each fresh process. The runtime ships every @aws-sdk client, this repository only those it
 * tests with: a client that is not installed (the ingest's CloudFront and SQS clients) resolves to
 * a stub exporting the names the bundle imports from it, so that bundle's import time leaves out that one client's load (the row says so).
 */
const probe = `
import { registerHooks } from 'node:module';
const missing = new Map(Object.entries(JSON.parse(process.env.BENCH_STUBS)));
if (missing.size) {
  registerHooks({
    resolve: (specifier, context, next) =>
      missing.has(specifier)
        ? { url: 'data:text/javascript,' + encodeURIComponent(missing.get(specifier).map((name) => 'export class ' + name + ' {}').join(' ')), shortCircuit: true }
        : next(specifier, context),
  });
}
const wall = performance.now();
const cpu = process.cpuUsage();
await import(process.env.BENCH_BUNDLE);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 }));
`;

/** Bare @aws-sdk imports of a bundle that do not resolve from this repository. */
function missingSdkClients(bundle: Bundle): string[] {
  return Object.keys(sdkImports(bundle)).filter((name) => !existsSync(fromRoot('node_modules', name, 'package.json')));
}

/** The names a bundle imports from each @aws-sdk module (`import{A as b,C}from"…"`), for its stubs. */
function sdkImports(bundle: Bundle): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const match of bundle.bytes.toString('utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g)) {
    const names = match[1]!.split(',').map((part) => part.trim().split(/\s+as\s+/)[0]!).filter(Boolean);
    found[match[2]!] = [...new Set([...(found[match[2]!] ?? []), ...names])];
  }
  return found;
}

interface ImportTime {
  wallMs: number;
  cpuMs: number;
}

function importTime(bundle: Bundle): ImportTime {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      // What Lambda sets for every function, so that libraries take their in-Lambda paths.
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      ...bundle.environment,
      BENCH_BUNDLE: pathToFileURL(bundle.file).href,
      BENCH_STUBS: JSON.stringify(Object.fromEntries(bundle.stubbed.map((name) => [name, sdkImports(bundle)[name] ?? []]))),
    },
  });
  if (result.status !== 0) throw new Error(`importing ${bundle.function} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ImportTime;
}
