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
