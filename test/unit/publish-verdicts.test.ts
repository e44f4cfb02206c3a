import { describe, expect, it } from 'vitest';
import { awaitVerdicts, statusCommand, type ReportReader } from '../../bin/content/verdicts';
import type { IngestResult } from '../../lambdas/events/ingest';
import { contentDigest, verdictKey, verdictsOf, type Verdict } from '../../lambdas/events/verdicts';

const result = (over: Partial<IngestResult>): IngestResult => ({ lessons: [], tracks: [], units: [], removed: [], unchanged: [], stale: [], refreshed: [], figures: [], pages: [], invalidated: [], passes: 0, deferred: false, failures: [], retry: [], skipped: [], ...over });

class Reports implements ReportReader {
  readonly objects = new Map<string, string>();
  reads = 0;
  async get(key: string) {
    this.reads++;
    return this.objects.get(key);
  }
  async listReports() {
    return [...this.objects.keys()];
  }
  judge(verdict: Omit<Verdict, 'kind' | 'at' | 'problems'> & { problems?: Verdict['problems'] }) {
    this.objects.set(verdictKey(verdict.file), JSON.stringify({ kind: 'rungs.ingest.verdict', at: '2026-12-01T10:00:00.000Z', problems: [], ...verdict }));
  }
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out: () => out.join(''), err: () => err.join(''), write: (t: string) => void out.push(t), writeErr: (t: string) => void err.push(t) };
}

describe('the verdicts ingest writes', () => {
  it('says live, unchanged or rejected per content file and skips other keys', () => {
    // Prepare
    const created = [
      { key: 'apis/track.yaml', body: 'title: APIs' },
      { key: 'apis/retries/new-lesson.md', body: 'new' },
      { key: 'apis/retries/same-lesson.md', body: 'same' },
      { key: 'apis/retries/bad-lesson.md', body: 'bad' },
      { key: 'notes.txt', body: 'not content' },
    ];
    const ingested = result({
      tracks: ['apis'],
      lessons: ['new-lesson'],
      unchanged: ['same-lesson'],
      failures: [{ key: 'apis/retries/bad-lesson.md', message: '', problems: [{ file: 'apis/retries/bad-lesson.md', line: 3, column: 1, message: 'title is missing' }] }],
    });

    // Act
    const verdicts = verdictsOf(created, [{ kind: 'remove', key: 'apis/retries/gone.md' }], ingested, new Date('2026-12-01T10:00:00Z'));

    // Assess
    expect(verdicts.map((v) => [v.file, v.verdict])).toEqual([
      ['apis/track.yaml', 'live'],
      ['apis/retries/new-lesson.md', 'live'],
      ['apis/retries/same-lesson.md', 'unchanged'],
      ['apis/retries/bad-lesson.md', 'rejected'],
      ['apis/retries/gone.md', 'removed'],
    ]);
    expect(verdicts[3]).toMatchObject({ sha256: contentDigest('bad'), problems: [{ line: 3, column: 1, message: 'title is missing' }] });
  });

  it('writes none for a file whose write lost to a newer version, and live for one a retried batch had applied', () => {
    // Prepare: one file lost to a newer upload (stale), one was committed by the first try of this batch.
    const judged = [
      { key: 'apis/retries/lost.md', body: 'older', upload: 'u1' },
      { key: 'apis/retries/applied.md', body: 'same as table', upload: 'u2', replayed: true },
    ];
    const ingested = result({ stale: ['apis/retries/lost.md', 'apis/retries/applied.md'] });

    // Act
    const verdicts = verdictsOf(judged, [], ingested, new Date('2026-12-01T10:00:00Z'));

    // Assess
    expect(verdicts.map((v) => [v.file, v.verdict, v.upload])).toEqual([['apis/retries/applied.md', 'live', 'u2']]);
  });

  it('gives no verdict to a file that failed for a reason a retry may fix', () => {
    // Prepare
    const judged = [{ key: 'apis/retries/throttled.md', body: 'x' }];
    const ingested = result({ failures: [{ key: 'apis/retries/throttled.md', message: '', problems: [] }], retry: ['apis/retries/throttled.md'] });

    // Act
    const verdicts = verdictsOf(judged, [], ingested, new Date());

    // Assess
    expect(verdicts).toEqual([]);
  });
});

describe('publish waiting for the verdict', () => {
  it('prints one line per file, the problems of a rejected one, and exits 1', async () => {
    // Prepare
    const reports = new Reports();
    reports.judge({ file: 'a/t/one.md', sha256: contentDigest('one'), verdict: 'live' });
    reports.judge({ file: 'a/t/two.md', sha256: contentDigest('two'), verdict: 'unchanged' });
    reports.judge({ file: 'a/t/bad.md', sha256: contentDigest('bad'), verdict: 'rejected', problems: [{ line: 4, column: 2, message: 'needs a title' }] });
    const io = capture();

    // Act
    const code = await awaitVerdicts(
      ['one', 'two', 'bad'].map((name) => ({ key: `a/t/${name}.md`, sha256: contentDigest(name) })),
      { reader: reports, timeoutMs: 1000, pollMs: 10 },
      io.write,
      io.writeErr,
    );

    // Assess
    expect(code).toBe(1);
    expect(io.out()).toBe('live      a/t/one.md\nunchanged a/t/two.md\nVerdict: 1 live, 1 unchanged, 1 rejected\n');
    expect(io.err()).toMatch(/^rejected {2}a\/t\/bad\.md\n {2}a\/t\/bad\.md:4:2 needs a title\n1 file was rejected/);
  });

  it('ignores a verdict on an older version of the file and waits for the one on the upload', async () => {
    // Prepare: the bucket still holds the verdict on yesterday's text; today's arrives a little later.
    const reports = new Reports();
    reports.judge({ file: 'a/t/one.md', sha256: contentDigest('yesterday'), verdict: 'rejected', problems: [{ line: 1, column: 1, message: 'old' }] });
    setTimeout(() => reports.judge({ file: 'a/t/one.md', sha256: contentDigest('today'), verdict: 'live' }), 50);
    const io = capture();

    // Act
    const code = await awaitVerdicts([{ key: 'a/t/one.md', sha256: contentDigest('today') }], { reader: reports, timeoutMs: 5000, pollMs: 10 }, io.write, io.writeErr);

    // Assess
    expect({ code, err: io.err() }).toEqual({ code: 0, err: '' });
    expect(io.out()).toContain('live      a/t/one.md\n');
  });

  it('ignores the verdict on an earlier upload of the very same text, waiting for this upload\'s', async () => {
    // Prepare: yesterday's run uploaded identical bytes; only the upload id tells the verdicts apart.
    const reports = new Reports();
    reports.judge({ file: 'a/t/one.md', sha256: contentDigest('same'), upload: 'yesterday', verdict: 'live' });
    setTimeout(() => reports.judge({ file: 'a/t/one.md', sha256: contentDigest('same'), upload: 'today', verdict: 'unchanged' }), 50);
    const io = capture();

    // Act
    const code = await awaitVerdicts([{ key: 'a/t/one.md', sha256: contentDigest('same'), upload: 'today' }], { reader: reports, timeoutMs: 5000, pollMs: 10 }, io.write, io.writeErr);

    // Assess
    expect(code).toBe(0);
    expect(io.out()).toBe('unchanged a/t/one.md\nVerdict: 0 live, 1 unchanged, 0 rejected\n');
  });

  it('reports a file as superseded when a later upload of it was judged first (events out of order)', async () => {
    // Prepare: another run uploaded the file after this one started, and its verdict is the one written.
    const reports = new Reports();
    reports.judge({ file: 'a/t/one.md', sha256: contentDigest('theirs'), upload: 'theirs', verdict: 'live' });
    const io = capture();

    // Act
    const code = await awaitVerdicts([{ key: 'a/t/one.md', sha256: contentDigest('mine'), upload: 'mine' }], { reader: reports, timeoutMs: 5000, pollMs: 10 }, io.write, io.writeErr, new Date('2026-12-01T09:59:00Z'));

    // Assess
    expect(code).toBe(0);
    expect(io.err()).toContain('superseded a/t/one.md: a later upload of it was judged live');
    expect(io.out()).toBe('Verdict: 0 live, 0 unchanged, 0 rejected, 1 superseded\n');
  });

  it('gives up at the timeout with a message naming the files and what to do, exit 1', async () => {
    const reports = new Reports();
    const io = capture();
    const code = await awaitVerdicts([{ key: 'a/t/one.md', sha256: contentDigest('x') }], { reader: reports, timeoutMs: 50, pollMs: 10 }, io.write, io.writeErr);
    expect(code).toBe(1);
    expect(io.out()).toContain('Verdict: 0 live, 0 unchanged, 0 rejected, 1 without a verdict\n');
    expect(io.err()).toMatch(/^No verdict after 0 s for 1 file: a\/t\/one\.md\n.*npm run content -- status/);
  });
});

describe('content status', () => {
  it('counts the current verdicts, lists rejected files with their problems, then the latest failure reports', async () => {
    // Prepare
    const reports = new Reports();
    reports.judge({ file: 'a/t/one.md', sha256: 'x', verdict: 'live' });
    reports.judge({ file: 'a/t/bad.md', sha256: 'y', verdict: 'rejected', problems: [{ line: 2, column: 1, message: 'needs a title' }] });
    reports.objects.set('reports/2026-12-01T10-00-00-000Z--a__t__bad.md.json', JSON.stringify({ kind: 'rungs.ingest.failure', at: '2026-12-01T10:00:00.000Z', file: 'a/t/bad.md', problems: [{ line: 2, column: 1, message: 'needs a title' }] }));
    const io = capture();

    // Act
    const code = await statusCommand(reports, io.write);

    // Assess
    expect(code).toBe(1);
    expect(io.out()).toBe(
      'Current verdicts: 1 live, 0 unchanged, 1 rejected, 0 removed\n' +
        'rejected  a/t/bad.md (2026-12-01T10:00:00.000Z)\n  a/t/bad.md:2:1 needs a title\n' +
        '\nLatest 1 failure report:\n2026-12-01T10:00:00.000Z a/t/bad.md\n  a/t/bad.md:2:1 needs a title\n',
    );
  });
});
