import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { afterAll } from 'vitest';
import { buildApp } from '../../lib/app';

/**
 * Synthesizes the app without bundling (as the infra tests do), into temporary folders removed
 * after the file's tests. Context is whatever `-c` would pass on the command line.
 */
export function synthesizer() {
  const outdirs: string[] = [];
  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });
  return function synth(context: Record<string, unknown> = {}) {
    const outdir = mkdtempSync(join(tmpdir(), 'rungs-cdk-'));
    outdirs.push(outdir);
    const built = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
    built.app.synth();
    return { ...built, template: Template.fromStack(built.stack) };
  };
}

const NAG_PACKS = Match.stringLikeRegexp('(AwsSolutions|NIST\\.800\\.53\\.R5|Serverless)-');

/** cdk-nag findings (AwsSolutions, NIST 800-53 rev 5, Serverless; errors and warnings) left on a stack. */
export function nagErrors(stack: Stack) {
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', NAG_PACKS), ...annotations.findWarning('*', NAG_PACKS)];
}

/** The logical id of the only resource of `type` whose id matches `pattern`. */
export function logicalId(template: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`Expected one ${type} matching ${pattern}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

/** ARNs of the layer AWS publishes for the Parameters and Secrets extension (AWS accounts, every region). */
const AWS_EXTENSION_LAYER = /^arn:aws(-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension(-Arm64)?:\d+$/;

/**
 * The template as JSON without CDK's region map of the AWS-owned extension layer, whose ARNs name
 * AWS's accounts and regions by nature; throws if that map holds anything else, so nothing of ours
 * can hide in it.
 */
export function templateJsonWithoutAwsLayerMap(template: Template): string {
  const json = template.toJSON() as { Mappings?: Record<string, Record<string, Record<string, string>>> };
  const mappings = Object.fromEntries(
    Object.entries(json.Mappings ?? {}).filter(([name, byRegion]) => {
      const values = Object.values(byRegion).flatMap((row) => Object.values(row));
      const layerMap = values.some((v) => AWS_EXTENSION_LAYER.test(v));
      if (layerMap && !values.every((v) => AWS_EXTENSION_LAYER.test(v))) throw new Error(`mapping ${name} mixes other values with the extension layer ARNs`);
      return !layerMap;
    }),
  );
  return JSON.stringify({ ...json, Mappings: mappings });
}
