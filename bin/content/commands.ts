import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { forEachLimited } from '../../lambdas/events/concurrency';
import { readContentTree } from '../local/content';
import { classifyKey, checkLessonFile, formatProblem, validateTree, type ContentFile, type Problem } from '../../lambdas/domain/validate';
import { lintAnatomy } from '../../lambdas/domain/anatomy';
import { renderLessonBody } from '../../lambdas/render';
import { randomUUID } from 'node:crypto';
import { contentDigest, UPLOAD_METADATA } from '../../lambdas/events/verdicts';
import { awaitVerdicts, type WaitOptions } from './verdicts';
import { ledgerProblems, type LedgerSource } from './ledger';
import { figureProblems, referencedFigures } from './figures';

/** Where `publish` puts files: the content bucket in AWS, a fake in tests. */
export interface Uploader {
  /** Names the destination in messages, e.g. `s3://bucket`. */
  readonly target: string;
  /** `metadata` becomes S3 object metadata (`x-amz-meta-*`). */
  put(key: string, body: string | Uint8Array, contentType: string, metadata?: Record<string, string>): Promise<void>;
  /** Content keys in the bucket (ingest reports under `reports/` excluded); for `--delete`. */
  list(): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export type Write = (text: string) => void;

/** Anatomy warnings (lambdas/domain/anatomy.ts) of every lesson in the tree that parses. */
export function anatomyWarnings(files: ContentFile[]): Problem[] {
  return files.flatMap((file) => {
    if (classifyKey(file.key)?.kind !== 'lesson') return [];
    const { lesson } = checkLessonFile(file);
    return lesson ? lintAnatomy(lesson, file.body).map((w) => ({ file: file.key, ...w })) : [];
  });
}

/**
 * `check`: validates the whole tree; every problem on its own line, then the anatomy warnings.
 * Warnings leave the exit code at 0 unless `strict`. Returns the exit code.
 */
export async function checkCommand(dir: string, out: Write, err: Write, options: { strict?: boolean; against?: LedgerSource } = {}): Promise<number> {
  const files = await readContentTree(dir);
  // Rendered and measured as ingest will, so a lesson too large to store is caught here.
  const { lessons, problems: treeProblems } = validateTree(files, { render: renderLessonBody });
  // --against: the published id ledgers, so a reused retired id or a changed kind is caught here, not at ingest.
  const problems = [...treeProblems, ...(await figureProblems(dir, files)), ...(options.against ? await ledgerProblems(files, options.against) : [])];
  const warnings = anatomyWarnings(files);
  const label = options.strict ? 'error' : 'warning';
  for (const warning of warnings) err(`${formatProblem({ ...warning, message: `${label}: ${warning.message}` })}\n`);
  const plural = (n: number, word: string) => `${n} ${n === 1 ? word : `${word}s`}`;
  const inFiles = (list: Problem[]) => `in ${new Set(list.map((p) => p.file)).size} of ${files.length} files`;
  if (warnings.length > 0) {
    err(`${plural(warnings.length, 'anatomy warning')} ${inFiles(warnings)}${options.strict ? ' (--strict: they count as errors)' : ' (--strict makes them errors)'}\n`);
  }
  for (const problem of problems) err(`${formatProblem(problem)}\n`);
  if (problems.length > 0) {
    err(`\n${plural(problems.length, 'problem')} ${inFiles(problems)}\n`);
    return 1;
  }
  if (options.strict && warnings.length > 0) return 1;
  out(`${lessons.length} lessons in ${files.filter((f) => classifyKey(f.key)?.kind === 'track').length} tracks: no problems${options.against ? ` (ids checked against ${options.against.name})` : ''}\n`);
  return 0;
}

const contentType = (key: string) => (key.endsWith('.md') ? 'text/markdown; charset=utf-8' : key.endsWith('.yaml') ? 'application/yaml; charset=utf-8' : 'application/octet-stream');

/** A one-line progress bar redrawn in place (plain lines when the output is not a terminal). */
export function progressBar(total: number, err: Write, isTty: boolean) {
  const width = 24;
  return (done: number, key: string) => {
    const filled = Math.round((done / Math.max(1, total)) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${key}`;
    err(isTty ? `\r\x1b[2K${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

/**
 * `publish`: checks the tree, then uploads it — metadata files first, so a lesson's track and unit
 * are known when the ingest function sees the lesson — a few files at a time.
 */
export async function publishCommand(
  dir: string,
  uploader: Uploader,
  io: { out: Write; err: Write; isTty: boolean; concurrency?: number; deleteMissing?: boolean; wait?: WaitOptions },
): Promise<number> {
  const files = await readContentTree(dir);
  const problems = [...validateTree(files, { render: renderLessonBody }).problems, ...(await figureProblems(dir, files))];
  if (problems.length > 0) {
    for (const problem of problems) io.err(`${formatProblem(problem)}\n`);
    io.err(`\nNot published: fix the ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} above first (npm run content -- check).\n`);
    return 1;
  }
  const ordered = [...files].filter((f) => classifyKey(f.key)).sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key));
  const started = performance.now();
  // Figures go before the lessons that show them, so a lesson's first judgement finds them (ingest
  // also judges a lesson again when a figure next to it arrives later). They get no verdict of their
  // own: the lessons that show them do.
  const figures = await referencedFigures(dir, files);
  const progress = progressBar(ordered.length + figures.length, io.err, io.isTty);
  let done = 0;
  const failed: { key: string; message: string }[] = [];
  const attempt = async (key: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (error) {
      failed.push({ key, message: error instanceof Error ? error.message : String(error) });
    }
    progress(++done, key);
  };
  // One id for this run, on every object, so the verdicts awaited are this upload's (see verdicts.ts).
  const uploadId = randomUUID();
  const uploadStarted = new Date();
  const upload = (file: ContentFile) => attempt(file.key, () => uploader.put(file.key, file.body, contentType(file.key), { [UPLOAD_METADATA]: uploadId }));
  const metadata = ordered.filter((f) => rank(f) === 0);
  const lessons = ordered.filter((f) => rank(f) === 1);
  const uploadFigure = (figure: { key: string; bytes: Uint8Array; contentType: string }) =>
    attempt(figure.key, () => uploader.put(figure.key, figure.bytes, figure.contentType, { [UPLOAD_METADATA]: uploadId }));

  // --delete: files gone from content/ are removed from the bucket too; each removal takes its lesson
  // down through the ingest function. Stale lesson files go before the lessons are uploaded, so a
  // lesson moved to another folder is never rejected for an id its old file still holds; stale
  // track and unit files go last, once no lesson needs them.
  let deleted = 0;
  const local = new Set(ordered.map((f) => f.key));
  const stale = io.deleteMissing ? (await uploader.list()).filter((key) => classifyKey(key) && !local.has(key)) : [];
  const deleting = progressBar(stale.length, io.err, io.isTty);
  let removed = 0;
  const remove = async (keys: string[]) => {
    for (const key of keys.sort()) {
      try {
        await uploader.delete(key);
        deleted++;
      } catch (error) {
        failed.push({ key, message: error instanceof Error ? error.message : String(error) });
      }
      deleting(++removed, `deleted ${key}`);
    }
  };

  await forEachLimited(metadata, io.concurrency ?? 8, upload);
  if (failed.length === 0) await remove(stale.filter((key) => classifyKey(key)?.kind === 'lesson'));
  await forEachLimited(figures, io.concurrency ?? 8, uploadFigure);
  await forEachLimited(lessons, io.concurrency ?? 8, upload);
  if (failed.length === 0) await remove(stale.filter((key) => classifyKey(key)?.kind !== 'lesson'));

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const bytes = ordered.reduce((sum, f) => sum + Buffer.byteLength(f.body), 0) + figures.reduce((sum, f) => sum + f.bytes.length, 0);
  const total = ordered.length + figures.length;
  io.out(`Published ${total - failed.length} of ${total} files (${lessons.length} lessons, ${metadata.length} track and unit files${figures.length > 0 ? `, ${figures.length} figures` : ''}, ${(bytes / 1024).toFixed(1)} KiB) to ${uploader.target}${deleted > 0 ? `, deleted ${deleted} no longer in the folder` : ''} in ${seconds} s\n`);
  for (const failure of failed) io.err(`failed: ${failure.key}: ${failure.message}\n`);
  if (failed.length > 0) return 1;
  if (!io.wait) {
    io.out('The ingest function validates and renders each file; rejected lessons are reported under reports/ in the bucket.\n');
    return 0;
  }
  io.out(`Waiting up to ${Math.round(io.wait.timeoutMs / 1000)} s for the platform's verdict on ${ordered.length} files…\n`);
  return awaitVerdicts(ordered.map((f) => ({ key: f.key, sha256: contentDigest(f.body), upload: uploadId })), io.wait, io.out, io.err, uploadStarted);
}

const rank = (file: ContentFile) => (classifyKey(file.key)?.kind === 'lesson' ? 1 : 0);

/** The content bucket of a deployed stage, from output `ContentBucketName` of stack `Rungs-<stage>`. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<{ stdout: string; stderr: string }>;
const runCommand: RunCommand = (file, args) => promisify(execFile)(file, args);

export async function contentBucketOfStage(stage: string, run: RunCommand = runCommand): Promise<string> {
  return stackOutput(stage, 'ContentBucketName', run);
}

/** One output of stack `Rungs-<stage>` (`ContentBucketName`, `TableName`…), read with the AWS CLI. */
export async function stackOutput(stage: string, output: string, run: RunCommand = runCommand): Promise<string> {
  const stack = `Rungs-${stage}`;
  try {
    const { stdout } = await run('aws', ['cloudformation', 'describe-stacks', '--stack-name', stack, '--query', `Stacks[0].Outputs[?OutputKey=='${output}'].OutputValue`, '--output', 'text']);
    const value = stdout.trim();
    if (!value || value === 'None') throw new Error(`stack ${stack} has no output ${output}: deploy it first`);
    return value;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('--stage needs the AWS CLI (aws) on the PATH to read the stack outputs; install it or pass --bucket <name>');
    if (e.message.startsWith(`stack ${stack} has no output`)) throw e;
    throw new Error(`could not read the outputs of stack ${stack}: ${(e.stderr ?? e.message).trim()}`);
  }
}
