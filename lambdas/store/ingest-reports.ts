import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import type { Store } from './client';
import * as keys from './keys';

/**
 * The latest ingest reports, for the authors' dashboard: one item per ingest that judged a file,
 * holding each file's verdict (live, unchanged, rejected, removed) with its problems. The full
 * verdicts stay in the content bucket (`reports/`, what `content publish` and `status` read); these
 * are bounded copies that expire after 30 days: at most 100 files, 10 problems a file, 300 characters
 * (code points) a message, and under 350 KB as stored (DynamoDB refuses an item over 400 KB), so even
 * the largest failing publish is on the dashboard.
 */

export const REPORT_LIMITS = { files: 100, problemsPerFile: 10, messageChars: 300, reportBytes: 350_000, ttlDays: 30 } as const;

const problemSchema = z.object({ line: z.number(), column: z.number(), message: z.string() });
const reportedFileSchema = z.object({
  file: z.string(),
  verdict: z.enum(['live', 'unchanged', 'rejected', 'removed']),
  problems: z.array(problemSchema),
  /** Problems left out (beyond `problemsPerFile`, or to keep the report under `reportBytes`). */
  moreProblems: z.optional(z.number()),
});
const reportSchema = z.object({ id: z.string(), at: z.string(), files: z.array(reportedFileSchema), moreFiles: z.number() });

export type ReportedFile = z.infer<typeof reportedFileSchema>;
export type IngestReport = z.infer<typeof reportSchema>;

/** What a value takes as UTF-8 JSON: an upper bound of its size as a DynamoDB attribute (names and values in UTF-8, less punctuation). */
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** At most `messageChars` code points (a character outside the BMP is never cut in half), with an ellipsis when cut. */
function cutMessage(message: string): string {
  const points = Array.from(message);
  return points.length > REPORT_LIMITS.messageChars ? `${points.slice(0, REPORT_LIMITS.messageChars - 1).join('')}…` : message;
}

/** Room kept for the item's key, type and TTL attributes beside the report itself. */
const ITEM_OVERHEAD_BYTES = 1024;

/**
 * Rejected files first (what an author has to act on), then by name; everything capped, and the
 * whole under `reportBytes` as serialized UTF-8: every file that fits is listed first (verdict, no
 * problems), then problems are added one round at a time (each file's first, then each file's
 * second, …) while they fit, so a huge failure shows every file's first problems rather than all
 * problems of a few files. What is left out is counted (`moreFiles`, `moreProblems`).
 */
export function boundedReport(id: string, at: Date, files: readonly ReportedFile[]): IngestReport {
  const rank = (f: ReportedFile) => (f.verdict === 'rejected' ? 0 : 1);
  const sorted = [...files].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
  const report: IngestReport = { id, at: at.toISOString(), files: [], moreFiles: sorted.length };
  // Each size below over-counts a little (a comma for every element, the largest count written), never under.
  let bytes = jsonBytes(report) + ITEM_OVERHEAD_BYTES;
  const room = (cost: number) => bytes + cost < REPORT_LIMITS.reportBytes;
  const candidates: { entry: ReportedFile; problems: ReportedFile['problems'] }[] = [];
  for (const f of sorted.slice(0, REPORT_LIMITS.files)) {
    const entry: ReportedFile = { file: f.file, verdict: f.verdict, problems: [], ...(f.problems.length > 0 ? { moreProblems: f.problems.length } : {}) };
    const cost = jsonBytes(entry) + 1;
    if (!room(cost)) break;
    bytes += cost;
    report.files.push(entry);
    candidates.push({ entry, problems: f.problems.slice(0, REPORT_LIMITS.problemsPerFile).map((p) => ({ line: p.line, column: p.column, message: cutMessage(p.message) })) });
  }
  report.moreFiles = sorted.length - report.files.length;
  const full = new Set<number>();
  for (let round = 0; round < REPORT_LIMITS.problemsPerFile; round++) {
    candidates.forEach(({ entry, problems }, i) => {
      const problem = problems[round];
      if (!problem || full.has(i)) return;
      const cost = jsonBytes(problem) + 1;
      // A file's problems stay a prefix of its own: once one does not fit, the rest of that file is counted, not shown.
      if (!room(cost)) return void full.add(i);
      bytes += cost;
      entry.problems.push(problem);
    });
  }
  for (const { entry } of candidates) {
    const left = (entry.moreProblems ?? 0) - entry.problems.length;
    if (left > 0) entry.moreProblems = left;
    else delete entry.moreProblems;
  }
  return report;
}

export async function putIngestReport(store: Store, report: IngestReport): Promise<void> {
  const ttl = Math.floor(Date.parse(report.at) / 1000) + REPORT_LIMITS.ttlDays * 24 * 3600;
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...keys.ingestReport(report.at, report.id), type: 'ingestReport', ...report, ttl } }));
}

/**
 * The latest reports, newest first: one partition, never more than `limit` items. A query page
 * stops at 1 MB, which a few large reports fill, so pages are followed until `limit` is reached;
 * each page holds at least one item (there is no filter), so at most `limit` pages are read.
 */
export async function listIngestReports(store: Store, limit = 20): Promise<IngestReport[]> {
  const prefix = keys.ingestReportsPrefix();
  const reports: IngestReport[] = [];
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < limit && reports.length < limit; page++) {
    const { Items, LastEvaluatedKey } = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
        ScanIndexForward: false,
        Limit: limit - reports.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    // An item that does not parse (written by another version) is left out, not fatal for the dashboard.
    for (const item of Items ?? []) {
      const parsed = reportSchema.safeParse(item);
      if (parsed.success) reports.push(parsed.data);
    }
    start = LastEvaluatedKey;
    if (!start) break;
  }
  return reports;
}
