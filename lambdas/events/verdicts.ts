import { createHash } from 'node:crypto';
import { classifyKey } from '../domain/validate';
import type { IngestResult, SourceObject } from './ingest';

/**
 * The platform's answer to one upload, for `content publish` to wait on: one small JSON object per
 * content file at `reports/verdicts/<file>.json`, rewritten on every ingest of that file, accepted or
 * not. `sha256` is the digest of the body ingest read, so the CLI can tell the verdict on what it
 * just uploaded from the one on an older version of the same key.
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
  at: string;
  problems: { line: number; column: number; message: string }[];
}

export const verdictKey = (file: string) => `${VERDICT_PREFIX}${file}.json`;

/**
 * Object metadata `content publish` sets on every upload (`x-amz-meta-rungs-upload`): the same text
 * uploaded twice has the same digest, so only this tells this upload's verdict from the last one's.
 */
export const UPLOAD_METADATA = 'rungs-upload';

/** The digest `publish` and ingest both compute of a file's text. */
export const contentDigest = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex');

/** Lesson id from its key: the validator makes the file name the id. */
const lessonIdOf = (key: string) => key.slice(key.lastIndexOf('/') + 1).replace(/\.md$/, '');

/** One verdict per content file of the batch (other keys get none: nothing waits on them). */
export function verdictsOf(created: SourceObject[], removed: string[], result: IngestResult, at: Date, uploads: ReadonlyMap<string, string> = new Map()): Verdict[] {
  const failures = new Map(result.failures.map((f) => [f.key, f]));
  const unchanged = new Set(result.unchanged);
  const verdicts: Verdict[] = [];
  const base = (file: string, sha256: string) => ({ kind: 'rungs.ingest.verdict' as const, file, sha256, at: at.toISOString() });
  for (const object of created) {
    const kind = classifyKey(object.key);
    if (!kind) continue;
    const failure = failures.get(object.key);
    const sha256 = contentDigest(object.body);
    const upload = uploads.get(object.key);
    const judged = { ...base(object.key, sha256), ...(upload ? { upload } : {}) };
    if (failure) {
      verdicts.push({ ...judged, verdict: 'rejected', problems: failure.problems.map(({ line, column, message }) => ({ line, column, message })) });
    } else {
      const same = kind.kind === 'lesson' && unchanged.has(lessonIdOf(object.key));
      verdicts.push({ ...judged, verdict: same ? 'unchanged' : 'live', problems: [] });
    }
  }
  for (const key of removed) if (classifyKey(key)) verdicts.push({ ...base(key, ''), verdict: 'removed', problems: [] });
  return verdicts;
}

/** Writes the batch's verdicts (a few at a time is not needed: batches are small and this runs last). */
export async function putVerdicts(
  put: (key: string, json: string) => Promise<void>,
  created: SourceObject[],
  removed: string[],
  result: IngestResult,
  uploads: ReadonlyMap<string, string> = new Map(),
  at: Date = new Date(),
): Promise<void> {
  for (const verdict of verdictsOf(created, removed, result, at, uploads)) await put(verdictKey(verdict.file), `${JSON.stringify(verdict)}\n`);
}
