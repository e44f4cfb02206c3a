import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { apiFunctions } from '../../lambdas/api/routes';
import { repoRoot } from '../../lib/paths';

/** Package imports (bare specifiers) of every runtime file, as `file → package path`. */
function packageImports(): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\bfrom\s+['"]([^.'"][^'"]*)['"]|\bimport\s*\(?\s*['"]([^.'"][^'"]*)['"]/g)) {
          found.push({ file: relative(repoRoot, path), specifier: (match[1] ?? match[2])! });
        }
      }
    }
  };
  walk(join(repoRoot, 'lambdas'));
  return found;
}

const ZOD_ENTRY = 'lambdas/domain/zod.ts';
const zodOutsideItsEntry = (imports: { file: string; specifier: string }[]) =>
  imports.filter(({ file, specifier }) => /^zod(\/|$)/.test(specifier) && file !== ZOD_ENTRY);

describe('what runtime code bundles', () => {
  it('gets zod only through lambdas/domain/zod.ts (zod/mini with English messages), never classic zod', () => {
    // Act
    const imports = packageImports();

    // Assess: one classic `from 'zod'` would put ~440 KiB into every bundle again
    expect(imports.some(({ file }) => file === ZOD_ENTRY)).toBe(true);
    expect(zodOutsideItsEntry(imports)).toEqual([]);
    expect(zodOutsideItsEntry([{ file: 'lambdas/api/x.ts', specifier: 'zod' }])).toHaveLength(1);
  });

  it('ships no X-Ray SDK: traces come from Lambda active tracing', () => {
    // Act
    const tracing = packageImports().filter(({ specifier }) => /^(@aws-lambda-powertools\/tracer|aws-xray-sdk)/.test(specifier));

    // Assess
    expect(tracing).toEqual([]);
  });
});

/** A function's bundle as RungsFunction builds it (ESM, node24, the AWS SDK left to the runtime), with its metafile. */
async function bundleOf(entry: string) {
  return (await buildOf(entry)).metafile;
}

/** The same build, with its output text (unminified, so that what esbuild had to keep reads plainly). */
async function buildOf(entry: string) {
  return build({
    entryPoints: [join(repoRoot, entry)],
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'out',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
}

const bundleText = async (entry: string) => (await buildOf(entry)).outputFiles[0]!.text;

/** The modules esbuild puts into a function's bundle. */
const bundledModules = async (entry: string): Promise<string[]> => Object.keys((await bundleOf(entry)).inputs);

/** The packages a function's bundle leaves to the runtime and loads at run time (static and dynamic imports). */
const externalImports = async (entry: string): Promise<string[]> =>
  Object.values((await bundleOf(entry)).outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));

/** The namespace objects esbuild had to build (`var x_exports = {}; __export(x_exports, …)`) because code used one as a value. */
const namespaceObjects = (text: string) => [...text.matchAll(/__export\((\w+),/g)].map((m) => m[1]!);

/** Rendering (Markdown, the lesson format and its YAML reader, highlighting, sanitizing) belongs to the ingest and the site build. */
const renderingModules = (modules: string[]) => modules.filter((m) => /^lambdas\/render\/|^lambdas\/domain\/(yaml-reader|lesson)\.ts$|node_modules\/(yaml|marked|highlight\.js|xss|cssfilter)\//.test(m));

describe('what each API function bundles', () => {
  it.each(Object.entries(apiFunctions).map(([name, fn]) => [name, fn.entry]))('%s bundles no rendering layer (Markdown, YAML, highlighting)', async (_name, entry) => {
    // Act
    const modules = await bundledModules(entry);

    // Assess: the session routes once pulled all of it in for one path constant (issue 10)
    expect(modules.length).toBeGreaterThan(10);
    expect(renderingModules(modules)).toEqual([]);
  });

  it.each(Object.entries(apiFunctions).map(([name, fn]) => [name, fn.entry]))('%s bundles the generic JWT verifier only, not the Cognito or ALB ones', async (_name, entry) => {
    // Act
    const modules = await bundledModules(entry);

    // Assess: importing aws-jwt-verify's root entry would add them (2.6 KiB, no sideEffects flag)
    expect(modules.some((m) => m.endsWith('aws-jwt-verify/dist/esm/jwt-verifier.js'))).toBe(true);
    expect(modules.filter((m) => /aws-jwt-verify\/dist\/esm\/(cognito|alb)-verifier\.js$/.test(m))).toEqual([]);
  });

  it.each(Object.entries(apiFunctions).map(([name, fn]) => [name, fn.entry]))('%s loads no Secrets Manager client: secrets come through the extension', async (_name, entry) => {
    // Act
    const imports = await externalImports(entry);

    // Assess: the client cost about 18 ms of CPU per cold start (issue 10), statically or behind import()
    expect(imports.some((i) => i === '@aws-sdk/client-dynamodb')).toBe(true);
    expect(imports.filter((i) => i.startsWith('@aws-sdk/client-secrets-manager'))).toEqual([]);
  });

  it.each(Object.entries(apiFunctions).map(([name, fn]) => [name, fn.entry]))('%s imports no node:http (an ESM import of it loads the whole fetch implementation at cold start)', async (_name, entry) => {
    // Act
    const imports = await externalImports(entry);

    // Assess: @middy/util's HttpError did (for its status texts): about 20 ms of CPU per cold start (issue 10)
    expect(imports.filter((i) => i === 'node:http' || i === 'http')).toEqual([]);
  });

  it.each(Object.entries(apiFunctions).map(([name, fn]) => [name, fn]))('%s bundles its own route declarations and no other function\'s', async (name, fn) => {
    // Prepare
    const others = Object.entries(apiFunctions).filter(([other]) => other !== name).map(([, other]) => other.entry);

    // Act
    const text = await bundleText(fn.entry);

    // Assess: each declaration is its own constant, so a bundle keeps only the one its handler names
    expect(text.includes(JSON.stringify(fn.entry)), `${name} bundles its own declaration`).toBe(true);
    expect(others.filter((entry) => text.includes(JSON.stringify(entry)))).toEqual([]);
  });

  it.each(Object.entries(apiFunctions).map(([name, fn]) => [name, fn.entry]))('%s reaches every module through direct references, never a whole namespace object', async (_name, entry) => {
    // Act
    const text = await bundleText(entry);

    // Assess: `z.iso.datetime()` once kept every ISO format and `keys.x` (one object) every key builder
    expect(namespaceObjects(text)).toEqual([]);
  });

  it('notices a namespace object in a bundle (the check itself can fail)', () => {
    expect(namespaceObjects('var iso_exports = {};\n__export(iso_exports, { date: () => date });')).toEqual(['iso_exports']);
  });

  it('notices a rendering module in a bundle (the check itself can fail)', () => {
    expect(renderingModules(['lambdas/render/markdown.ts', 'node_modules/yaml/dist/index.js', 'lambdas/domain/yaml-reader.ts', 'lambdas/api/auth.ts'])).toHaveLength(3);
  });
});
