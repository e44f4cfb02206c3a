import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { defaultStore } from '../store/client';
import { cloudFrontInvalidator } from './cloudfront';
import { ingest, type ContentSource, type SitePublisher, type SourceObject } from './ingest';
import { createFailureReporter } from './report';

const s3 = new S3Client({});
const metrics = new Metrics({ namespace: 'Rungs', serviceName: 'content-ingest' });

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the ingest function cannot publish pages`);
  return value;
}

const siteBucket = requiredEnv('SITE_BUCKET');
const contentBucket = requiredEnv('CONTENT_BUCKET');
const distributionId = process.env.DISTRIBUTION_ID;

const site: SitePublisher = {
  async put(path, body, contentType) {
    await s3.send(new PutObjectCommand({ Bucket: siteBucket, Key: path, Body: body, ContentType: contentType, CacheControl: 'public, max-age=60' }));
  },
  async delete(path) {
    await s3.send(new DeleteObjectCommand({ Bucket: siteBucket, Key: path }));
  },
};

const source: ContentSource = {
  async listKeys() {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: contentBucket })) {
      for (const object of page.Contents ?? []) if (object.Key && !object.Key.startsWith('reports/')) keys.push(object.Key);
    }
    return keys;
  },
};

const reporter = createFailureReporter({
  async putReport(key, json) {
    await s3.send(new PutObjectCommand({ Bucket: contentBucket, Key: key, Body: json, ContentType: 'application/json' }));
  },
  log: (line) => console.log(line),
  countFailures: (count) => metrics.addMetric('IngestFailures', MetricUnit.Count, count),
});

/** S3 event keys are URL-encoded with `+` for spaces. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export async function handler(event: S3Event) {
  const created: SourceObject[] = [];
  const removed: string[] = [];
  for (const record of event.Records) {
    const key = decodeKey(record.s3.object.key);
    if (record.eventName.startsWith('ObjectRemoved')) {
      removed.push(key);
      continue;
    }
    try {
      const response = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
      created.push({ key, body: (await response.Body?.transformToString('utf-8')) ?? '' });
    } catch (error) {
      // Deleted again before we read it: its ObjectRemoved event follows.
      if (!(error instanceof NoSuchKey)) throw error;
    }
  }
  try {
    const result = await ingest(created, { store: defaultStore(), site, source, reporter, ...(distributionId ? { invalidator: cloudFrontInvalidator(distributionId) } : {}) }, removed);
    const { failures, ...summary } = result;
    // A zero keeps the metric continuous, so an alarm on it sees "no failures" rather than no data.
    if (failures.length === 0) metrics.addMetric('IngestFailures', MetricUnit.Count, 0);
    console.log(JSON.stringify({ level: failures.length > 0 ? 'WARN' : 'INFO', message: 'ingest finished', ...summary, failed: failures.map((f) => f.key) }));
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}
