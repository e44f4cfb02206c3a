import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand, contentBucketOfStage, publishCommand, type Uploader } from '../../bin/content/commands';
import { repoRoot } from '../../lib/paths';
import { corpus, settleCorpusTimes } from '../support/corpus';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
const content = join(repoRoot, 'content');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTty: false } };
}

class FakeUploader implements Uploader {
  readonly target = 's3://test-bucket';
  readonly keys: string[] = [];
  readonly deleted: string[] = [];
  /** Every put and delete in the order they happened. */
  readonly log: string[] = [];
  constructor(
    private readonly failOn?: string,
    private readonly remote: string[] = [],
  ) {}
  readonly types = new Map<string, string>();
  async put(key: string, _body: string | Uint8Array, contentType: string) {
    if (key === this.failOn) throw new Error('Access Denied');
    this.keys.push(key);
    this.types.set(key, contentType);
    this.log.push(`put ${key}`);
  }
  async list() {
    return [...new Set([...this.remote, ...this.keys])];
  }
  async delete(key: string) {
    this.deleted.push(key);
    this.log.push(`delete ${key}`);
  }
}

describe('npm run content -- check', () => {
  it('exits 1 and prints every problem as file:line:col message when the tree is broken', async () => {
    // Prepare
    await settleCorpusTimes();

    // Act: the real CLI, as an author runs it
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/content.ts', 'check', '--dir', corpus], { cwd: repoRoot, encoding: 'utf8' });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^broken\/fine\/exercise-errors\.md:13:1 no choice is marked correct: add "correct: true" to each right choice$/m);
    expect(run.stderr).toMatch(/^other\/unit\/dup-id\.md:2:1 lesson id "dup-id" is already used by broken\/fine\/dup-id\.md: /m);
    // The inputs that used to abort check are reported like any other problem, in the same run.
    expect(run.stderr).toMatch(/^broken\/authors\/undefined-alias\.md:8:11 YAML alias "\*x" refers to no anchor/m);
    expect(run.stderr).toMatch(/^broken\/authors\/alias-bomb\.md:16:9 YAML aliases/m);
    expect(run.stderr).toMatch(/^broken\/authors\/raw-html\.md:12:1 raw HTML "<script>"/m);
    expect(run.stderr).toMatch(/^broken\/authors\/upper-case\.MD:1:1 lesson files end in lowercase/m);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).toMatch(/\n\d+ problems in \d+ of \d+ files\n$/);
  });

  it('exits 0 with a one-line summary for the sample curriculum', async () => {
    const { out, err, io } = capture();
    const code = await checkCommand(content, io.out, io.err);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out.join('')).toMatch(/^\d+ lessons in \d+ tracks: no problems\n$/);
  });
});

describe('npm run content -- publish', () => {
  it('uploads metadata before lessons, shows progress and ends with a summary', async () => {
    // Prepare
    const uploader = new FakeUploader();
    const { out, err, io } = capture();

    // Act
    const code = await publishCommand(content, uploader, { ...io, concurrency: 1 });

    // Assess
    expect(code).toBe(0);
    // Track and unit files, then the figures lessons show, then the lessons.
    const firstFigure = uploader.keys.findIndex((k) => k.endsWith('.svg'));
    const firstLesson = uploader.keys.findIndex((k) => k.endsWith('.md'));
    expect(firstFigure).toBeGreaterThan(0);
    expect(uploader.keys.slice(0, firstFigure).every((k) => k.endsWith('.yaml'))).toBe(true);
    expect(uploader.keys.slice(firstFigure, firstLesson).every((k) => k.endsWith('.svg'))).toBe(true);
    expect(uploader.keys.slice(firstLesson).every((k) => k.endsWith('.md'))).toBe(true);
    expect(err.at(-1)).toMatch(new RegExp(`^\\[#{24}\\] ${uploader.keys.length}/${uploader.keys.length} `));
    expect(out[0]).toMatch(new RegExp(`^Published ${uploader.keys.length} of ${uploader.keys.length} files \\(\\d+ lessons, \\d+ track and unit files, \\d+ figures, [\\d.]+ KiB\\) to s3://test-bucket in [\\d.]+ s\\n$`));
  });

  it('with --delete, removes files no longer in the folder, lessons before their metadata, and leaves other objects alone', async () => {
    // Prepare
    const uploader = new FakeUploader(undefined, ['old/track.yaml', 'old/unit/unit.yaml', 'old/unit/gone.md', 'security/oauth/renamed.md', 'notes.txt']);
    const { out, io } = capture();

    // Act
    const code = await publishCommand(content, uploader, { ...io, deleteMissing: true });

    // Assess
    expect(code).toBe(0);
    expect(uploader.deleted).toEqual(['old/unit/gone.md', 'security/oauth/renamed.md', 'old/track.yaml', 'old/unit/unit.yaml']);
    expect(out[0]).toMatch(/, deleted 4 no longer in the folder in /);
    // A moved lesson's old file is gone before any lesson is uploaded, so its id is free again.
    const firstLessonPut = uploader.log.findIndex((l) => l.startsWith('put ') && l.endsWith('.md'));
    expect(uploader.log.indexOf('delete security/oauth/renamed.md')).toBeLessThan(firstLessonPut);
    expect(uploader.log.indexOf('delete old/track.yaml')).toBeGreaterThan(firstLessonPut);
  });

  it('uploads the figures lessons show after the metadata and before the lessons, as images, and refuses an SVG with script', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'rungs-figures-'));
    await mkdir(join(dir, 'apis', 'retries'), { recursive: true });
    await writeFile(join(dir, 'apis', 'track.yaml'), groupYaml('APIs', 1));
    await writeFile(join(dir, 'apis', 'retries', 'unit.yaml'), groupYaml('Retries', 1));
    await writeFile(join(dir, 'apis', 'retries', 'backoff.md'), lessonSource({ id: 'backoff', track: 'apis', unit: 'retries', prose: '\n![Waits doubling](waits.svg)\n' }));
    await writeFile(join(dir, 'apis', 'retries', 'waits.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>');
    await writeFile(join(dir, 'apis', 'retries', 'unused.png'), 'not shown by any lesson');
    const uploader = new FakeUploader();

    // Act
    const code = await publishCommand(dir, uploader, { ...capture().io, concurrency: 1 });
    await writeFile(join(dir, 'apis', 'retries', 'waits.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>');
    const refused = new FakeUploader();
    const second = capture();
    const refusedCode = await publishCommand(dir, refused, second.io);

    // Assess
    expect(code).toBe(0);
    expect(uploader.keys).toEqual(['apis/retries/unit.yaml', 'apis/track.yaml', 'apis/retries/waits.svg', 'apis/retries/backoff.md']);
    expect(uploader.types.get('apis/retries/waits.svg')).toBe('image/svg+xml');
    expect(refusedCode).toBe(1);
    expect(refused.keys).toEqual([]);
    expect(second.err.join('')).toMatch(/^apis\/retries\/waits\.svg:1:\d+ SVG figures may not contain a <script> element/m);
    await rm(dir, { recursive: true, force: true });
  });

  it('deletes nothing without --delete', async () => {
    const uploader = new FakeUploader(undefined, ['old/unit/gone.md']);
    const { io } = capture();
    await publishCommand(content, uploader, io);
    expect(uploader.deleted).toEqual([]);
  });

  it('uploads nothing when the tree has problems', async () => {
    const uploader = new FakeUploader();
    const { err, io } = capture();
    expect(await publishCommand(corpus, uploader, io)).toBe(1);
    expect(uploader.keys).toEqual([]);
    expect(err.at(-1)).toMatch(/^\nNot published: fix the \d+ problems above first/);
  });

  it('reports a failed upload and exits 1 after trying every file', async () => {
    const uploader = new FakeUploader('security/track.yaml');
    const { out, err, io } = capture();
    expect(await publishCommand(content, uploader, io)).toBe(1);
    expect(out[0]).toMatch(/^Published (\d+) of (\d+) files/);
    expect(err.at(-1)).toBe('failed: security/track.yaml: Access Denied\n');
    expect(uploader.keys.length).toBeGreaterThan(10);
  });
});

describe('finding the content bucket of a stage', () => {
  it('reads output ContentBucketName of stack Rungs-<stage> through the AWS CLI', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: readonly string[]) => {
      calls.push([file, ...args]);
      return { stdout: 'rungs-dev-contentbucket-abc\n', stderr: '' };
    };
    expect(await contentBucketOfStage('dev', run)).toBe('rungs-dev-contentbucket-abc');
    expect(calls[0]).toEqual(expect.arrayContaining(['aws', 'describe-stacks', '--stack-name', 'Rungs-dev']));
  });

  it('explains what to do when the AWS CLI is missing', async () => {
    const run = async () => {
      throw Object.assign(new Error('spawn aws ENOENT'), { code: 'ENOENT' });
    };
    await expect(contentBucketOfStage('dev', run)).rejects.toThrow(/needs the AWS CLI \(aws\) on the PATH.*or pass --bucket <name>/);
  });

  it('says so when the stack has no such output', async () => {
    const run = async () => ({ stdout: 'None\n', stderr: '' });
    await expect(contentBucketOfStage('dev', run)).rejects.toThrow(/stack Rungs-dev has no output ContentBucketName/);
  });
});
