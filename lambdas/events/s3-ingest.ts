import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { defaultStore } from '../store/client';
import { ingest, type SitePublisher, type SourceObject } from './ingest';

const s3 = new S3Client({});

function siteBucketFromEnv(): string {
  const bucket = process.env.SITE_BUCKET;
  if (!bucket) throw new Error('SITE_BUCKET is not set: the ingest function cannot publish pages');
  return bucket;
}

const siteBucket = siteBucketFromEnv();

const site: SitePublisher = {
  async put(path, body, contentType) {
    await s3.send(
      new PutObjectCommand({ Bucket: siteBucket, Key: path, Body: body, ContentType: contentType, CacheControl: 'public, max-age=60' }),
    );
  },
};

/** S3 event keys are URL-encoded with `+` for spaces. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export async function handler(event: S3Event) {
  const objects: SourceObject[] = [];
  for (const record of event.Records) {
    const key = decodeKey(record.s3.object.key);
    const response = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
    objects.push({ key, body: (await response.Body?.transformToString('utf-8')) ?? '' });
  }
  const result = await ingest(objects, { store: defaultStore(), site });
  console.log(JSON.stringify({ level: result.failures.length > 0 ? 'WARN' : 'INFO', message: 'ingest finished', ...result }));
  return result;
}
