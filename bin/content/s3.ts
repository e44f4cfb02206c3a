import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { listContentKeys } from '../../lambdas/events/s3-handler';
import type { Uploader } from './commands';
import type { ReportReader } from './verdicts';

/** A content bucket through the S3 SDK (AWS, or the local platform's endpoint): uploads and ingest's reports. */
export function s3Bucket(s3: S3Client, bucket: string, target: string): Uploader & ReportReader {
  return {
    target,
    async put(key, body, contentType, metadata) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...(metadata ? { Metadata: metadata } : {}) }));
    },
    list: () => listContentKeys(s3, bucket),
    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async get(key) {
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await response.Body?.transformToString('utf-8');
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async listReports() {
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: 'reports/' })) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
      return keys;
    },
  };
}

