import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../domain/zod';
import type { Store } from './client';
import { keys } from './keys';

/**
 * The latest ingest reports, for the authors' dashboard: one item per ingest that judged a file,
 * holding each file's verdict (live, unchanged, rejected, removed) with its problems. The full
 * verdicts stay in the content bucket (`reports/`, what `content publish` and `status` read); these
 * are bounded copies (files, problems and message length capped) that expire after 30 days.
 */

export const REPORT_LIMITS = { files: 100, problemsPerFile: 10, messageChars: 300, ttlDays: 30 } as const;

const problemSchema = z.object({ line: z.number(), column: z.number(), message: z.string() });
const reportedFileSchema = z.object({
  file: z.string(),
  verdict: z.enum(['live', 'unchanged', 'rejected', 'removed']),
  problems: z.array(problemSchema),
  /** Problems left out beyond `problemsPerFile`. */
  moreProblems: z.optional(z.number()),
});
const reportSchema = z.object({ id: z.string(), at: z.string(), files: z.array(reportedFileSchema), moreFiles: z.number() });

export type ReportedFile = z.infer<typeof reportedFileSchema>;
export type IngestReport = z.infer<typeof reportSchema>;

/** Rejected files first (what an author has to act on), then by name; everything capped. */
export function boundedReport(id: string, at: Date, files: readonly ReportedFile[]): IngestReport {
  const rank = (f: ReportedFile) => (f.verdict === 'rejected' ? 0 : 1);
  const sorted = [...files].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
  const kept = sorted.slice(0, REPORT_LIMITS.files).map((f) => ({
    file: f.file,
    verdict: f.verdict,
    problems: f.problems.slice(0, REPORT_LIMITS.problemsPerFile).map((p) => ({ ...p, message: p.message.length > REPORT_LIMITS.messageChars ? `${p.message.slice(0, REPORT_LIMITS.messageChars - 1)}…` : p.message })),
    ...(f.problems.length > REPORT_LIMITS.problemsPerFile ? { moreProblems: f.problems.length - REPORT_LIMITS.problemsPerFile } : {}),
  }));
  return { id, at: at.toISOString(), files: kept, moreFiles: sorted.length - kept.length };
}

export async function putIngestReport(store: Store, report: IngestReport): Promise<void> {
  const ttl = Math.floor(Date.parse(report.at) / 1000) + REPORT_LIMITS.ttlDays * 24 * 3600;
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...keys.ingestReport(report.at, report.id), type: 'ingestReport', ...report, ttl } }));
}

/** The latest reports, newest first: one query on one partition, never more than `limit` items. */
export async function listIngestReports(store: Store, limit = 20): Promise<IngestReport[]> {
  const prefix = keys.ingestReportsPrefix();
  const { Items } = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  // An item that does not parse (written by another version) is left out, not fatal for the dashboard.
  return (Items ?? []).flatMap((item) => {
    const parsed = reportSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
