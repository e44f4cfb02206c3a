import { createHash } from 'node:crypto';
import { NoSuchKey, NotFound, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';

/**
 * S3 has no local stand-in in this repository, so the client gets a middleware that answers the
 * commands ingest sends from in-memory buckets: nothing leaves the process. `onGet` lets a
 * test or benchmark hold a read (to stage two uploads racing). Also builds the queue messages S3
 * sends, one notification per object event, with increasing sequencers.
 */
export interface FakeS3Hooks {
  /** Called with the key and the body read, before the read returns. */
  onGet?: (key: string, body: string) => Promise<void>;
  /** Called for every object written (pages, reports). */
  onPut?: (bucket: string, key: string) => void;
}

export function fakeS3(buckets: Record<string, Map<string, string>>, hooks: FakeS3Hooks = {}) {
  const s3 = new S3Client({ region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  s3.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as { Bucket: string; Key?: string; Body?: string };
      const bucket = buckets[input.Bucket] ?? (buckets[input.Bucket] = new Map());
      switch (context.commandName) {
        case 'GetObjectCommand': {
          const body = bucket.get(input.Key!);
          if (body === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
          await hooks.onGet?.(input.Key!, body);
          const bytes = new TextEncoder().encode(body);
          return { output: { Body: { transformToString: async () => body, transformToByteArray: async () => bytes }, ContentLength: bytes.length, $metadata: {} }, response: {} };
        }
        case 'HeadObjectCommand': {
          const body = bucket.get(input.Key!);
          if (body === undefined) throw new NotFound({ message: 'Not Found', $metadata: {} });
          return { output: { ETag: `"${createHash('md5').update(body, 'utf8').digest('hex')}"`, $metadata: {} }, response: {} };
        }
        case 'PutObjectCommand':
          hooks.onPut?.(input.Bucket, input.Key!);
          bucket.set(input.Key!, String(input.Body));
          return { output: { $metadata: {} }, response: {} };
        case 'DeleteObjectCommand':
          bucket.delete(input.Key!);
          return { output: { $metadata: {} }, response: {} };
        case 'ListObjectsV2Command':
          return { output: { Contents: [...bucket.keys()].map((Key) => ({ Key })), IsTruncated: false, $metadata: {} }, response: {} };
        default:
          throw new Error(`unexpected S3 command ${context.commandName}`);
      }
    },
    { step: 'initialize', name: 'fakeS3' },
  );
  return s3;
}

export interface S3Record {
  eventName: string;
  key: string;
  sequencer?: string;
}

let sequence = 0x10000;
/** A sequencer later than every one handed out before (S3's are hex strings, compared padded). */
export const nextSequencer = () => (sequence++).toString(16).toUpperCase().padStart(16, '0');

export const s3Record = (eventName: string, key: string, sequencer = nextSequencer()): S3Record => ({ eventName, key, sequencer });

/** One queue message per S3 record, as S3 → SQS delivers them. */
export function queueEvent(records: S3Record[], bucket = 'content'): SQSEvent {
  return {
    Records: records.map((record, i) => ({
      messageId: `m-${record.sequencer ?? i}-${i}`,
      body: JSON.stringify({
        Records: [{ eventName: record.eventName, s3: { bucket: { name: bucket }, object: { key: record.key, ...(record.sequencer ? { sequencer: record.sequencer } : {}) } } }],
      }),
    })),
  } as unknown as SQSEvent;
}
