import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../lib/app';

export interface BundleSize {
  function: string;
  rawKiB: number;
  gzipKiB: number;
}

/**
 * Synthesizes the app with real bundling (the same esbuild settings a deploy uses) and measures each
 * application function's bundle, source maps excluded.
 */
export function measureBundles(): BundleSize[] {
  const outdir = mkdtempSync(join(tmpdir(), 'rungs-bench-cdk-'));
  try {
    const { app, stack } = buildApp({ outdir, context: { stage: 'dev', 'aws:cdk:enable-asset-metadata': true } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties?: { Environment?: { Variables?: Record<string, string> } } }>;
    };
    const sizes: BundleSize[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function' || !resource.Properties?.Environment?.Variables?.TABLE_NAME) continue;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (!assetPath) throw new Error(`${logicalId} has no asset path in its metadata`);
      const assetDir = join(outdir, assetPath);
      const files = readdirSync(assetDir).filter((f) => !f.endsWith('.map'));
      const raw = Buffer.concat(files.filter((f) => statSync(join(assetDir, f)).isFile()).map((f) => readFileSync(join(assetDir, f))));
      sizes.push({
        function: logicalId.replace(/[0-9A-F]{8}$/, ''),
        rawKiB: Math.round((raw.length / 1024) * 10) / 10,
        gzipKiB: Math.round((gzipSync(raw).length / 1024) * 10) / 10,
      });
    }
    return sizes.sort((a, b) => a.function.localeCompare(b.function));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
