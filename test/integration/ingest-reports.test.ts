import { describe, expect, it } from 'vitest';
import { createQueueIngestHandler } from '../../lambdas/events/s3-handler';
import { boundedReport, listIngestReports, putIngestReport, REPORT_LIMITS } from '../../lambdas/store/ingest-reports';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
import { fakeS3, queueEvent, s3Record } from '../support/fake-s3';
import { freshStore } from '../support/store';

const good = 'apis/retries/backoff.md';
const bad = 'apis/retries/broken.md';

describe('ingest reports for the authors\' dashboard', () => {
  it('keeps one report per batch with each file\'s verdict and problems, and lists the latest newest first', async () => {
    // Prepare
    const store = await freshStore();
    const content = new Map<string, string>([
      ['apis/track.yaml', groupYaml('APIs', 1)],
      ['apis/retries/unit.yaml', groupYaml('Retries', 1)],
      [good, lessonSource({ id: 'backoff', track: 'apis', unit: 'retries' })],
      [bad, lessonSource({ id: 'broken', track: 'apis', unit: 'retries', order: 2 }).replace('level: junior', 'level: expert')],
    ]);
    const handler = createQueueIngestHandler({ s3: fakeS3({ content, site: new Map() }), store, siteBucket: 'site', contentBucket: 'content', countFailures: () => {}, log: () => {} });

    // Act: a first batch publishes, a second rejects one file and finds the other unchanged
    await handler(queueEvent(['apis/track.yaml', 'apis/retries/unit.yaml', good].map((key) => s3Record('ObjectCreated:Put', key))));
    await handler(queueEvent([s3Record('ObjectCreated:Put', bad), s3Record('ObjectCreated:Put', good)]));
    const reports = await listIngestReports(store);

    // Assess
    expect(reports.map((r) => r.files.map((f) => `${f.verdict} ${f.file}`))).toEqual([
      [`rejected ${bad}`, `unchanged ${good}`],
      ['live apis/retries/backoff.md', 'live apis/retries/unit.yaml', 'live apis/track.yaml'],
    ]);
    expect(reports[0]!.files[0]!.problems).toEqual([expect.objectContaining({ line: 7, column: 8, message: expect.stringContaining('level is the text "expert"') })]);
    expect(Date.parse(reports[0]!.at)).toBeGreaterThanOrEqual(Date.parse(reports[1]!.at));
  });

  it('lists at most the number asked for, and bounds what one report holds', async () => {
    // Prepare
    const store = await freshStore();
    const many = Array.from({ length: REPORT_LIMITS.files + 5 }, (_, i) => ({ file: `t/u/lesson-${String(i).padStart(3, '0')}.md`, verdict: 'live' as const, problems: [] }));
    const noisy = { file: 't/u/noisy.md', verdict: 'rejected' as const, problems: Array.from({ length: 15 }, (_, i) => ({ line: i + 1, column: 1, message: 'x'.repeat(1000) })) };
    for (let i = 0; i < 3; i++) await putIngestReport(store, boundedReport(`r${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)), [...many, noisy]));

    // Act
    const reports = await listIngestReports(store, 2);

    // Assess
    expect(reports.map((r) => r.id)).toEqual(['r2', 'r1']);
    const [newest] = reports;
    expect(newest!.files).toHaveLength(REPORT_LIMITS.files);
    expect(newest!.moreFiles).toBe(6);
    // The rejected file comes first, with ten problems, each message cut to the limit.
    expect(newest!.files[0]).toMatchObject({ file: 't/u/noisy.md', moreProblems: 5 });
    expect(newest!.files[0]!.problems).toHaveLength(REPORT_LIMITS.problemsPerFile);
    expect(newest!.files[0]!.problems[0]!.message).toHaveLength(REPORT_LIMITS.messageChars);
  });

  it('keeps a report of 100 files with 10 problems each, in 3-byte characters, under 350 KB, and stores it', async () => {
    // Prepare: 100 × 10 × 300 characters of 3 bytes ≈ 900 KB before bounding
    const store = await freshStore();
    const files = Array.from({ length: 100 }, (_, f) => ({
      file: `t/u/lesson-${String(f).padStart(3, '0')}.md`,
      verdict: 'rejected' as const,
      problems: Array.from({ length: 10 }, (_, p) => ({ line: p + 1, column: 1, message: '€'.repeat(300) })),
    }));

    // Act
    const report = boundedReport('big', new Date(Date.UTC(2026, 0, 2)), files);
    await putIngestReport(store, report);
    const [stored] = await listIngestReports(store, 1);

    // Assess: every file listed, each with its first problems, what is left out counted
    expect(Buffer.byteLength(JSON.stringify(report), 'utf8')).toBeLessThan(REPORT_LIMITS.reportBytes);
    expect(stored).toEqual(report);
    expect(report.files).toHaveLength(100);
    expect(report.moreFiles).toBe(0);
    expect(report.files.every((f) => f.problems.length >= 1 && f.problems.length + (f.moreProblems ?? 0) === 10)).toBe(true);
    expect(report.files.some((f) => (f.moreProblems ?? 0) > 0)).toBe(true);
  });

  it('cuts a long message on a code point, never inside a surrogate pair', () => {
    // Prepare: characters outside the BMP are two UTF-16 units each
    const message = '𝄞'.repeat(REPORT_LIMITS.messageChars + 50);

    // Act
    const cut = boundedReport('r', new Date(), [{ file: 't/u/a.md', verdict: 'rejected', problems: [{ line: 1, column: 1, message }] }]).files[0]!.problems[0]!.message;

    // Assess
    expect(Array.from(cut)).toHaveLength(REPORT_LIMITS.messageChars);
    expect(cut.endsWith('𝄞…')).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('returns the number of reports asked for when they fill more than one 1 MB query page', async () => {
    // Prepare: six reports of about 340 KB each, about 2 MB in all (a query page holds four of them)
    const store = await freshStore();
    const files = Array.from({ length: 100 }, (_, f) => ({
      file: `t/u/lesson-${String(f).padStart(3, '0')}.md`,
      verdict: 'rejected' as const,
      problems: Array.from({ length: 10 }, (_, p) => ({ line: p + 1, column: 1, message: '€'.repeat(300) })),
    }));
    for (let i = 0; i < 6; i++) await putIngestReport(store, boundedReport(`big${i}`, new Date(Date.UTC(2026, 0, 3, 0, 0, i)), files));

    // Act
    const reports = await listIngestReports(store, 6);

    // Assess
    expect(reports.map((r) => r.id)).toEqual(['big5', 'big4', 'big3', 'big2', 'big1', 'big0']);
  });
});
