import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { staticPages, type AssetManifest } from '../lambdas/render';

const webDir = fileURLToPath(new URL('.', import.meta.url));

export interface SiteBuild {
  /** Logical name → hashed file name under `assets/`. */
  manifest: AssetManifest;
  /** Hashed file name → contents, for whoever serves or uploads them. */
  files: Map<string, Uint8Array>;
  /** Pages that need no content (reviews, account, sign-in callback): path → HTML. */
  pages: Map<string, string>;
}

const hashed = (name: string, body: Uint8Array) => {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12).replace(/[-_]/g, '0');
  return `${basename(name, extname(name))}-${hash}${extname(name)}`;
};

/**
 * The one build of the learner site's assets, used by the local platform at start and by the Site
 * construct at synth: the client TypeScript bundled and minified by esbuild, the stylesheet copied,
 * each named by its content hash, plus the pages rendered with those names. Synchronous, because
 * CDK constructs are.
 */
export function buildSite(): SiteBuild {
  // Code-split: every page loads main.js; the reviews, statistics and authors pages import their own chunks
  // (named by esbuild's content hash), so a lesson page carries none of their code.
  const bundle = buildSync({
    entryPoints: [join(webDir, 'client', 'main.ts')],
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    outdir: join(webDir, 'out'),
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    write: false,
    legalComments: 'none',
  });
  const main = bundle.outputFiles.find((f) => basename(f.path) === 'main.js')!;
  const chunks = bundle.outputFiles.filter((f) => f !== main);
  const files = new Map<string, Uint8Array>(chunks.map((f) => [basename(f.path), f.contents]));
  const sources: [string, Uint8Array][] = [
    ['main.js', main.contents],
    ['styles.css', readFileSync(join(webDir, 'static', 'styles.css'))],
    ['favicon.svg', readFileSync(join(webDir, 'static', 'favicon.svg'))],
  ];
  const manifest: AssetManifest = {};
  for (const [name, body] of sources) {
    const file = hashed(name, body);
    manifest[name] = file;
    files.set(file, body);
  }
  return { manifest, files, pages: staticPages(manifest) };
}

/** Writes a build as the bucket holds it: `assets/<hashed>` and the pages; returns the folder. */
export function writeSite(build: SiteBuild, dir: string): { assetsDir: string; pagesDir: string } {
  const assetsDir = join(dir, 'assets');
  const pagesDir = join(dir, 'pages');
  mkdirSync(assetsDir, { recursive: true });
  for (const [file, body] of build.files) writeFileSync(join(assetsDir, file), body);
  for (const [path, body] of build.pages) {
    mkdirSync(join(pagesDir, path, '..'), { recursive: true });
    writeFileSync(join(pagesDir, path), body);
  }
  return { assetsDir, pagesDir };
}
