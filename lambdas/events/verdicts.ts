import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { classifyKey } from '../domain/validate';
import type { Store } from '../store/client';
import { boundedReport, putIngestReport } from '../store/ingest-reports';
import type { ContentEvent, IngestResult } from './ingest';
import type { Log } from './log';

/**
 * The platform's answer to one upload, for `content publish` to wait on: one small JSON object per
 * content file at `reports/verdicts/<file>.json`, rewritten on every ingest of that file, accepted or
 * not. A verdict is always about the object ingest read from the bucket (its digest and the upload
 * id in its metadata), never about the event that led to the read: S3 events of one file may arrive
 * in any order and more than once, and only the bucket's current object is judged.
 */

export const VERDICT_PREFIX = 'reports/verdicts/';

export type VerdictState = 'live' | 'unchanged' | 'rejected' | 'removed';

export interface Verdict {
  kind: 'rungs.ingest.verdict';
  file: string;
  /** Digest of the body ingest judged; empty for a removed file. */
  sha256: string;
  /** The uploader's id for this upload (object metadata `rungs-upload`), when it set one. */
  upload?: string;
  verdict: VerdictState;
  /** True when the table holds the version but the catalog-wide pages are left to a later batch (a few seconds). */
  pagesPending?: boolean;
  at: string;
  problems: { line: number; column: number; message: string }[];
}

/** An object as ingest read it from the bucket. */
export interface JudgedObject {
  key: string;
  body: string;
  upload?: string;
  /** Its event had been applied already (a redelivered or retried batch): the table holds this body. */
  replayed?: boolean;
}

export const verdictKey = (file: string) => `${VERDICT_PREFIX}${file}.json`;

/**
 * Object metadata `content publish` sets on every upload (`x-amz-meta-rungs-upload`): the same text
 * uploaded twice has the same digest, so only this tells this upload's verdict from the last one's.
 */
export const UPLOAD_METADATA = 'rungs-upload';

/** The digest `publish` and ingest both compute of a file's text. */
export const contentDigest = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex');

/**
 * One verdict per content file the batch judged (other keys get none: nothing waits on them). A key
 * whose write lost to a newer version (stale) gets none unless it was confirmed as replayed: the
 * newer version's own event brings its verdict.
 */
export function verdictsOf(judged: Iterable<JudgedObject>, events: ContentEvent[], result: IngestResult, at: Date): Verdict[] {
  const failures = new Map(result.failures.map((f) => [f.key, f]));
  const unchanged = new Set(result.unchanged);
  const stale = new Set(result.stale);
  // A lesson judged again for its figure's sake keeps its verdict unless this changed it.
  const refreshed = new Set(result.refreshed);
  const verdicts: Verdict[] = [];
  const base = (file: string, sha256: string) => ({ kind: 'rungs.ingest.verdict' as const, file, sha256, at: at.toISOString() });
  const pending = result.deferred ? { pagesPending: true } : {};
  for (const object of judged) {
    const kind = classifyKey(object.key);
    if (!kind) continue;
    if (refreshed.has(object.key) && kind.kind === 'lesson' && unchanged.has(kind.name)) continue;
    const failure = failures.get(object.key);
    const judgedBase = { ...base(object.key, contentDigest(object.body)), ...(object.upload ? { upload: object.upload } : {}) };
    if (failure) {
      // A failure that will be retried (throttling) is not the author's fault: no verdict yet.
      if (result.retry.includes(object.key)) continue;
      verdicts.push({ ...judgedBase, verdict: 'rejected', problems: failure.problems.map(({ line, column, message }) => ({ line, column, message })) });
    } else if (object.replayed) {
      verdicts.push({ ...judgedBase, verdict: 'live', problems: [] });
    } else if (stale.has(object.key)) {
      continue;
    } else {
      const same = kind.kind === 'lesson' ? unchanged.has(kind.name) : !(kind.kind === 'track' ? result.tracks.includes(kind.track) : result.units.includes(`${kind.track}/${kind.unit}`));
      verdicts.push({ ...judgedBase, verdict: same ? 'unchanged' : 'live', ...(same ? {} : pending), problems: [] });
    }
  }
  const judgedKeys = new Set(verdicts.map((v) => v.file));
  for (const event of events) {
    if (event.kind !== 'remove' || stale.has(event.key) || judgedKeys.has(event.key) || !classifyKey(event.key)) continue;
    judgedKeys.add(event.key);
    verdicts.push({ ...base(event.key, ''), verdict: 'removed', problems: [] });
  }
  return verdicts;
}

/**
 * Whether the bucket still holds the object a verdict is about (for `removed`: no object). Two
 * batches run at once: one that read a file's older upload (say, judging a lesson again because its
 * figure arrived) may finish after the batch that judged the newer upload; its verdict would then
 * overwrite the newer one, and `content publish` would wait for a verdict that never comes.
 */
export type StillCurrent = (verdict: Verdict) => Promise<boolean>;

/**
 * Writes the batch's verdicts, one object per file (batches are small and this runs last), each only
 * if the bucket still holds what it judged (the newer object's own event brings its verdict);
 * returns those written.
 */
export async function putVerdicts(
  put: (key: string, json: string) => Promise<void>,
  judged: Iterable<JudgedObject>,
  events: ContentEvent[],
  result: IngestResult,
  at: Date = new Date(),
  stillCurrent: StillCurrent = async () => true,
): Promise<Verdict[]> {
  const written: Verdict[] = [];
  for (const verdict of verdictsOf(judged, events, result, at)) {
    if (!(await stillCurrent(verdict))) continue;
    await put(verdictKey(verdict.file), `${JSON.stringify(verdict)}\n`);
    written.push(verdict);
  }
  return written;
}

/**
 * Keeps a batch's verdicts as one report in the table, for the authors' dashboard (bounded: see
 * lambdas/store/ingest-reports.ts). Nothing judged, nothing kept. A report that cannot be written is
 * logged and the batch goes on: the verdicts in the bucket are the record `publish` relies on.
 */
export async function recordIngestReport(store: Store, verdicts: readonly Verdict[], at: Date, log: Log): Promise<void> {
  if (verdicts.length === 0) return;
  try {
    await putIngestReport(store, boundedReport(randomUUID(), at, verdicts.map(({ file, verdict, problems }) => ({ file, verdict, problems }))));
  } catch (error) {
    log({ level: 'WARN', message: 'ingest report not kept for the dashboard', error: error instanceof Error ? error.message : String(error) });
  }
}
