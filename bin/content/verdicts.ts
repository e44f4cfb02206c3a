import { setTimeout as sleep } from 'node:timers/promises';
import * as z from '../../lambdas/domain/zod';
import { forEachLimited } from '../../lambdas/events/concurrency';
import { VERDICT_PREFIX, verdictKey, type Verdict } from '../../lambdas/events/verdicts';
import type { Write } from './commands';

/** Reads what ingest wrote under `reports/` in the content bucket (S3 in AWS and under `npm start`, a fake in tests). */
export interface ReportReader {
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  /** Every key under `reports/`. */
  listReports(): Promise<string[]>;
}

const verdictSchema = z.object({
  kind: z.literal('rungs.ingest.verdict'),
  file: z.string(),
  sha256: z.string(),
  upload: z.optional(z.string()),
  pagesPending: z.optional(z.boolean()),
  verdict: z.enum(['live', 'unchanged', 'rejected', 'removed']),
  at: z.string(),
  problems: z.array(z.object({ line: z.number(), column: z.number(), message: z.string() })),
});

const failureSchema = z.object({
  kind: z.literal('rungs.ingest.failure'),
  at: z.string(),
  file: z.string(),
  problems: z.array(z.object({ line: z.number(), column: z.number(), message: z.string() })),
});

const parse = <T>(schema: z.ZodMiniType<T>, text: string | undefined): T | undefined => {
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

export interface WaitOptions {
  reader: ReportReader;
  /** Give up after this long; the default suits a deployed ingest function working through a full tree. */
  timeoutMs: number;
  /** Pause between two reads of the verdicts still missing. */
  pollMs?: number;
}

const problemLines = (v: Pick<Verdict, 'file' | 'problems'>) => v.problems.map((p) => `  ${v.file}:${p.line}:${p.column} ${p.message}\n`).join('');

/**
 * Waits until ingest has judged every uploaded file (a verdict whose digest is the uploaded one),
 * then prints one line per file: live, unchanged or rejected with its problems. Exit code 1 when
 * any file is rejected or the wait times out.
 */
export async function awaitVerdicts(uploaded: { key: string; sha256: string; upload?: string }[], options: WaitOptions, out: Write, err: Write, since: Date = new Date()): Promise<number> {
  const pending = new Map(uploaded.map((u) => [u.key, u]));
  const found = new Map<string, Verdict>();
  // A verdict on another upload of the same file, written after this one started: someone uploaded it since.
  const superseded = new Map<string, Verdict>();
  const deadline = Date.now() + options.timeoutMs;
  // Each round reads only the verdicts still missing, a few at once; the loop ends at the deadline.
  while (pending.size > 0) {
    await forEachLimited([...pending.keys()], 8, async (key) => {
      // A read that races ingest rewriting the same verdict can fail mid-body: try again next round.
      const text = await options.reader.get(verdictKey(key)).catch(() => undefined);
      const verdict = parse(verdictSchema, text);
      const wanted = pending.get(key);
      // The digest says it is about this text; the upload id, that it is about this upload of it.
      if (verdict && wanted && verdict.sha256 === wanted.sha256 && (!wanted.upload || verdict.upload === wanted.upload)) {
        found.set(key, verdict);
        pending.delete(key);
      } else if (verdict && wanted?.upload && verdict.upload && verdict.upload !== wanted.upload && Date.parse(verdict.at) > since.getTime()) {
        superseded.set(key, verdict);
        pending.delete(key);
      }
    });
    if (pending.size === 0 || Date.now() >= deadline) break;
    await sleep(options.pollMs ?? 1000);
  }
  const counts = { live: 0, unchanged: 0, rejected: 0 };
  for (const { key } of uploaded) {
    const verdict = found.get(key);
    if (!verdict || verdict.verdict === 'removed') continue;
    counts[verdict.verdict]++;
    const line = `${verdict.verdict.padEnd(9)} ${key}\n`;
    if (verdict.verdict === 'rejected') err(`${line}${problemLines(verdict)}`);
    else out(line);
  }
  for (const [key, verdict] of superseded) err(`superseded ${key}: a later upload of it was judged ${verdict.verdict} (${verdict.at}); run \`npm run content -- status\`\n`);
  out(`Verdict: ${counts.live} live, ${counts.unchanged} unchanged, ${counts.rejected} rejected${superseded.size > 0 ? `, ${superseded.size} superseded` : ''}${pending.size > 0 ? `, ${pending.size} without a verdict` : ''}\n`);
  if (pending.size > 0) {
    err(
      `No verdict after ${Math.round(options.timeoutMs / 1000)} s for ${pending.size} ${pending.size === 1 ? 'file' : 'files'}: ${[...pending.keys()].slice(0, 5).join(', ')}${pending.size > 5 ? ', …' : ''}\n` +
        'The ingest function may still be working, or it failed before judging them: run `npm run content -- status` later, and read the ingest function\'s logs.\n',
    );
  }
  if (counts.rejected > 0) err(`${counts.rejected} ${counts.rejected === 1 ? 'file was' : 'files were'} rejected: the previous version of each stays live. Fix them and publish again.\n`);
  return counts.rejected > 0 || pending.size > 0 ? 1 : 0;
}

/**
 * `status`: the current verdict of every file ingest has judged (rejected ones with their problems),
 * then the latest failure reports, newest last. Exit code 1 while any file's current verdict is rejected.
 */
export async function statusCommand(reader: ReportReader, out: Write, options: { latest?: number } = {}): Promise<number> {
  const keys = (await reader.listReports()).sort();
  const verdictKeys = keys.filter((k) => k.startsWith(VERDICT_PREFIX));
  const failureKeys = keys.filter((k) => !k.startsWith(VERDICT_PREFIX) && k.endsWith('.json')).slice(-(options.latest ?? 10));
  const verdicts: Verdict[] = [];
  await forEachLimited(verdictKeys, 8, async (key) => {
    const verdict = parse(verdictSchema, await reader.get(key));
    if (verdict) verdicts.push(verdict);
  });
  verdicts.sort((a, b) => a.file.localeCompare(b.file));
  const count = (state: Verdict['verdict']) => verdicts.filter((v) => v.verdict === state).length;
  out(`Current verdicts: ${count('live')} live, ${count('unchanged')} unchanged, ${count('rejected')} rejected, ${count('removed')} removed\n`);
  for (const verdict of verdicts.filter((v) => v.verdict === 'rejected')) out(`rejected  ${verdict.file} (${verdict.at})\n${problemLines(verdict)}`);
  const rejected = count('rejected') > 0 ? 1 : 0;
  if (failureKeys.length === 0) {
    out('No failure reports.\n');
    return rejected;
  }
  out(`\nLatest ${failureKeys.length} failure ${failureKeys.length === 1 ? 'report' : 'reports'}:\n`);
  for (const key of failureKeys) {
    const report = parse(failureSchema, await reader.get(key));
    if (report) out(`${report.at} ${report.file}\n${problemLines(report)}`);
  }
  return rejected;
}
