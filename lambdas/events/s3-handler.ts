import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import type { AssetManifest } from '../render';
import type { Store } from '../store/client';
import { ingest, type ContentSource, type IngestResult, type Invalidator, type SitePublisher, type SourceObject } from './ingest';
import { createFailureReporter } from './report';
import { putVerdicts, UPLOAD_METADATA } from './verdicts';

export interface S3IngestOptions {
  s3: S3Client;
  store: Store;
  siteBucket: string;
  contentBucket: string;
  invalidator?: Invalidator;
  /** Counts rejected files (the `IngestFailures` metric in Lambda); called with 0 on a clean run. */
  countFailures: (count: number) => void;
  log?: (line: string) => void;
  /** Where pages go instead of the site bucket (the local platform's in-memory site). */
  site?: SitePublisher;
  /** Hashed asset names pages link (the local platform's build); default from `SITE_ASSETS`. */
  assets?: AssetManifest;
}

/** Every key in the content bucket except ingest's own reports (also used by `content publish --delete`). */
export async function listContentKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const object of page.Contents ?? []) if (object.Key && !object.Key.startsWith('reports/')) keys.push(object.Key);
  }
  return keys;
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/**
 * The S3 side of ingest: turns an S3 event into created objects and removed keys, and gives ingest
 * the site bucket, the content bucket's listing and a reporter writing to `reports/`. The Lambda
 * entry (s3-ingest.ts) only adds the environment, CloudFront and metrics.
 */
export function createS3IngestHandler(options: S3IngestOptions) {
  const { s3, siteBucket, contentBucket } = options;
  const log = options.log ?? ((line: string) => console.log(line));

  const site: SitePublisher = options.site ?? {
    async put(path, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: siteBucket, Key: path, Body: body, ContentType: contentType, CacheControl: 'public, max-age=60' }));
    },
    async delete(path) {
      await s3.send(new DeleteObjectCommand({ Bucket: siteBucket, Key: path }));
    },
  };
  const source: ContentSource = { listKeys: () => listContentKeys(s3, contentBucket) };
  const putReport = async (key: string, json: string) => {
    await s3.send(new PutObjectCommand({ Bucket: contentBucket, Key: key, Body: json, ContentType: 'application/json' }));
  };
  const reporter = createFailureReporter({
    putReport,
    log,
    countFailures: options.countFailures,
  });

  return async function handler(event: S3Event): Promise<IngestResult> {
    const created: SourceObject[] = [];
    const removed: string[] = [];
    const uploads = new Map<string, string>();
    for (const record of event.Records) {
      const key = decodeKey(record.s3.object.key);
      if (record.eventName.startsWith('ObjectRemoved')) {
        removed.push(key);
        continue;
      }
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
        created.push({ key, body: (await response.Body?.transformToString('utf-8')) ?? '' });
        const upload = response.Metadata?.[UPLOAD_METADATA];
        if (upload) uploads.set(key, upload);
      } catch (error) {
        // Deleted again before we read it: its ObjectRemoved event follows.
        if (!(error instanceof NoSuchKey)) throw error;
      }
    }
    const result = await ingest(
      created,
      { store: options.store, site, source, reporter, ...(options.assets ? { assets: options.assets } : {}), ...(options.invalidator ? { invalidator: options.invalidator } : {}) },
      removed,
    );
    // Last, so `content publish` sees a verdict only once the pages it names are written.
    await putVerdicts(putReport, created, removed, result, uploads);
    const { failures, ...summary } = result;
    // A zero keeps the metric continuous, so an alarm on it sees "no failures" rather than no data.
    if (failures.length === 0) options.countFailures(0);
    log(JSON.stringify({ level: failures.length > 0 ? 'WARN' : 'INFO', message: 'ingest finished', ...summary, failed: failures.map((f) => f.key) }));
    return result;
  };
}
