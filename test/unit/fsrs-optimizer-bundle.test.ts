import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { FSRS_BINDING_MODULES } from '../../lib/constructs/optimizer';

/**
 * What the optimizer Lambda gets, built here as RungsFunction builds it (minified ESM with the
 * require banner), with the binding kept external and only the binding's packages beside it: the
 * bundle must load and answer from that set alone. The set holds the linux-x64-gnu package, the one
 * the Lambda (x86_64: FSRS-rs 0.5.0 publishes no ARM64 build) gets as well.
 */
const dir = mkdtempSync(join(tmpdir(), 'rungs-optimizer-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the optimizer bundle', () => {
  it('loads with nothing but the FSRS binding packages beside it and handles a batch', async () => {
    // Prepare
    await build({
      entryPoints: ['lambdas/events/fsrs-optimizer.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      mainFields: ['module', 'main'],
      external: [...FSRS_BINDING_MODULES],
      banner: { js: "import { createRequire as __rungsCreateRequire } from 'node:module'; const require = __rungsCreateRequire(import.meta.url);" },
      outfile: join(dir, 'index.mjs'),
      logLevel: 'silent',
    });
    const scope = join(dir, 'node_modules', '@open-spaced-repetition');
    mkdirSync(scope, { recursive: true });
    const host = `binding-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
    for (const name of ['binding', host]) cpSync(join('node_modules', '@open-spaced-repetition', name), join(scope, name), { recursive: true });
    process.env.TABLE_NAME ??= 'unused';
    // Act
    const bundled = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: (event: { Records: [] }) => Promise<unknown> };
    // Assess
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('.node"');
    await expect(bundled.handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
  });
});
