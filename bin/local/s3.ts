import S3rver from '@20minutes/s3rver';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SUFFIXES } from '../../lambdas/events/notifications';

/**
 * The local S3 endpoint: @20minutes/s3rver (a maintained fork of s3rver, pure JavaScript, no binary),
 * serving the content bucket from a temporary folder that goes away on stop. Its object events are
 * grouped the way an SQS queue hands S3 notifications to the ingest function: up to ten messages a
 * batch, one S3 event per message body, batches handled one at a time.
 */

export const LOCAL_CONTENT_BUCKET = 'rungs-content-local';

/** The same filter as the bucket notifications in lib/constructs/content-pipeline.ts: lessons, metadata and figures. */
const triggersIngest = (key: string) => CONTENT_SUFFIXES.some((suffix) => key.endsWith(suffix));

const BATCH_SIZE = 10;
/** How long the queue waits for more messages before handing over a partial batch (SQS's batching window). */
const BATCH_WINDOW_MS = 100;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  client(): S3Client;
  /** Resolves once every event so far has been handled. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/** An S3 client for the local endpoint: path-style addressing, fixed credentials (the server checks none). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 4 });
}

let sequence = 0;
/** An SQS message carrying one S3 event, shaped as the queue delivers it to Lambda. */
export function sqsRecordOf(s3Event: unknown, queueArn = 'arn:aws:sqs:local:000000000000:rungs-ingest-local'): SQSRecord {
  const messageId = `local-${Date.now().toString(36)}-${(sequence++).toString(36)}`;
  return {
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify(s3Event),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'local',
  };
}

export async function startLocalS3(options: { host?: string; onBatch: (batch: SQSEvent) => Promise<void>; log?: (line: string) => void }): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'rungs-s3-'));
  const server = new S3rver({ address: options.host ?? '127.0.0.1', port: 0, silent: true, directory, resetOnClose: false, vhostBuckets: false, allowMismatchedSignatures: true, configureBuckets: [{ name: LOCAL_CONTENT_BUCKET }] });
  const address = await server.run();
  const endpoint = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  const waiting: SQSRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let stopped: Promise<void> | undefined;
  const flush = () => {
    timer = undefined;
    while (waiting.length > 0) {
      const batch: SQSEvent = { Records: waiting.splice(0, BATCH_SIZE) };
      // One consumer: batches run in order; a failed batch is logged (in AWS it would be retried, then dead-lettered).
      chain = chain.then(() => options.onBatch(batch)).catch((error: unknown) => options.log?.(`local S3 ingest failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  };
  server.on('event', (event) => {
    if (!event.Records.every((r) => r.s3.bucket.name === LOCAL_CONTENT_BUCKET && triggersIngest(decodeURIComponent(r.s3.object.key)))) return;
    waiting.push(sqsRecordOf(event));
    if (waiting.length >= BATCH_SIZE) flush();
    else timer ??= setTimeout(flush, BATCH_WINDOW_MS);
  });

  return {
    endpoint,
    bucket: LOCAL_CONTENT_BUCKET,
    client: () => localS3Client(endpoint),
    async drained() {
      while (timer || waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, BATCH_WINDOW_MS));
      await chain;
    },
    stop() {
      // Once: a second call waits for the first (s3rver's close never settles when called twice).
      stopped ??= (async () => {
        if (timer) clearTimeout(timer);
        await chain;
        await server.close();
        // The folder goes as a whole (s3rver's own reset on close would race this removal).
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
