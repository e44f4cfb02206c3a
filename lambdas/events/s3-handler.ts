import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { FIGURE_CACHE_CONTROL } from '../domain/figures';
import * as z from '../domain/zod';
import type { AssetManifest } from '../render';
import type { Store } from '../store/client';
import { ingestBatch, type ContentEvent, type ContentSource, type IngestDeps, type IngestQueue, type IngestResult, type Invalidator, type SitePublisher } from './ingest';
import { tableHolds } from './decide';
import { consoleLog, type Log } from './log';
import { createFailureReporter } from './report';
import { putVerdicts, recordIngestReport, UPLOAD_METADATA, type JudgedObject, type Verdict } from './verdicts';

export interface QueueIngestOptions {
  s3: S3Client;
  store: Store;
  siteBucket: string;
  contentBucket: string;
  invalidator?: Invalidator;
  /** Counts rejected files (the `IngestFailures` metric in Lambda); called with 0 on a clean run. */
  countFailures: (count: number) => void;
  log?: Log;
  /** Render coordination (see IngestDeps): how long a batch waits for later ones, and the caps. */
  timing?: Pick<IngestDeps, 'settleMs' | 'maxDeferMs' | 'leaseMs'>;
  /** The queue feeding this handler (events still waiting, delayed render triggers). */
  queue?: IngestQueue;
  /** Where pages go instead of the site bucket (the local platform's in-memory site). */
  site?: SitePublisher;
  /** Hashed asset names pages link (the local platform's build); default from `SITE_ASSETS`. */
  assets?: AssetManifest;
}

/** Every key in the content bucket except ingest's own reports (also used by `content publish --delete`). */
export async function listContentKeys(s3: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) })) {
    for (const object of page.Contents ?? []) if (object.Key && !object.Key.startsWith('reports/')) keys.push(object.Key);
  }
  return keys;
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/** The body of the message a batch sends to make sure a render pass follows (see IngestQueue). */
export const RENDER_TRIGGER = { rungs: 'render' } as const;

/** The part of an S3 event notification ingest reads; S3's test event (`s3:TestEvent`) has no records. */
const s3NotificationSchema = z.union([
  z.object({
    Records: z.array(
      z.object({
        eventName: z.string(),
        s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string(), sequencer: z.optional(z.string()) }) }),
      }),
    ),
  }),
  z.object({ Event: z.literal('s3:TestEvent') }),
  z.object({ rungs: z.literal(RENDER_TRIGGER.rungs) }),
]);

export const isRenderTrigger = (body: string) => {
  try {
    return (JSON.parse(body) as { rungs?: unknown }).rungs === RENDER_TRIGGER.rungs;
  } catch {
    return false;
  }
};

/** The content events one queue message carries. */
export function eventsOfMessage(body: string): ContentEvent[] {
  const notification = s3NotificationSchema.parse(JSON.parse(body));
  if (!('Records' in notification)) return [];
  return notification.Records.map((record) => {
    const key = decodeKey(record.s3.object.key);
    const sequencer = record.s3.object.sequencer ? { sequencer: record.s3.object.sequencer } : {};
    return record.eventName.startsWith('ObjectRemoved') ? { kind: 'remove' as const, key, ...sequencer } : { kind: 'put' as const, key, ...sequencer };
  });
}

/**
 * The queue side of ingest: S3 notifications arrive on an SQS queue, and one batch of messages is
 * one ingest. The answer lists the messages to deliver again (partial batch response): those whose
 * file hit an error that a retry may fix, all of them if the ingest itself failed, and any message
 * that is not an S3 notification (after a few receives it lands in the dead-letter queue). Rejected
 * content is reported, not retried. The Lambda entry (s3-ingest.ts) only adds the environment,
 * CloudFront and metrics.
 */
export function createQueueIngestHandler(options: QueueIngestOptions) {
  const { s3, siteBucket, contentBucket } = options;
  const log = options.log ?? consoleLog;

  const site: SitePublisher = options.site ?? {
    async put(path, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: siteBucket, Key: path, Body: body, ContentType: contentType, CacheControl: 'public, max-age=60' }));
    },
    async putImmutable(path, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: siteBucket, Key: path, Body: body, ContentType: contentType, CacheControl: FIGURE_CACHE_CONTROL }));
    },
    async delete(path) {
      await s3.send(new DeleteObjectCommand({ Bucket: siteBucket, Key: path }));
    },
  };
  // The object a verdict names is still the bucket's: same upload id (publish sets one on every
  // upload), or the same bytes (ETag is the MD5 of a single-part upload) when the uploader set none.
  const stillCurrentIn = (judged: Map<string, JudgedObject>) => async (verdict: Verdict): Promise<boolean> => {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: contentBucket, Key: verdict.file }));
      if (verdict.verdict === 'removed') return false;
      const upload = head.Metadata?.[UPLOAD_METADATA];
      if (verdict.upload || upload) return verdict.upload === upload;
      const judgedBody = judged.get(verdict.file)?.body;
      return judgedBody === undefined || head.ETag?.replaceAll('"', '') === createHash('md5').update(judgedBody, 'utf8').digest('hex');
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchKey || (error as { name?: string }).name === 'NotFound') return verdict.verdict === 'removed';
      throw error;
    }
  };
  const putReport = async (key: string, json: string) => {
    await s3.send(new PutObjectCommand({ Bucket: contentBucket, Key: key, Body: json, ContentType: 'application/json' }));
  };
  /**
   * One source per batch: it remembers what each read returned (body and upload id), because the
   * verdicts are about the object ingest actually judged, whichever event of the batch led to it.
   */
  const batchSource = (judged: Map<string, JudgedObject>): ContentSource => ({
    listKeys: () => listContentKeys(s3, contentBucket),
    listPrefix: (prefix) => listContentKeys(s3, contentBucket, prefix),
    async read(key) {
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: contentBucket, Key: key }));
        const body = (await response.Body?.transformToString('utf-8')) ?? '';
        const upload = response.Metadata?.[UPLOAD_METADATA];
        judged.set(key, { key, body, ...(upload ? { upload } : {}) });
        return body;
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async readFigure(key, maxBytes) {
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: contentBucket, Key: key }));
        const size = response.ContentLength ?? 0;
        // An oversize figure is only measured, never held in memory: the lesson is rejected for its size.
        if (size > maxBytes) {
          await response.Body?.transformToWebStream().cancel();
          return { size };
        }
        const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
        return { size: bytes.length, bytes };
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
  });
  const reporter = createFailureReporter({
    putReport,
    log,
    countFailures: options.countFailures,
  });

  /**
   * A put event found stale was applied before (a retried batch, a redelivered message) or lost to a
   * newer upload: the object is read, and confirmed as replayed only if the table holds its body.
   */
  const withReplayed = async (judged: Map<string, JudgedObject>, events: ContentEvent[], result: IngestResult): Promise<JudgedObject[]> => {
    const stale = new Set(result.stale);
    const replayed = [...new Set(events.filter((e) => e.kind === 'put' && stale.has(e.key)).map((e) => e.key))];
    const reads = new Map<string, JudgedObject>();
    const source = batchSource(reads);
    for (const key of replayed) {
      if ((await source.read?.(key)) === undefined) continue;
      const object = reads.get(key)!;
      if (await tableHolds(options.store, key, object.body, source)) judged.set(key, { ...object, replayed: true });
    }
    return [...judged.values()];
  };

  return async function handler(event: SQSEvent): Promise<SQSBatchResponse & { result?: IngestResult }> {
    const events: ContentEvent[] = [];
    const messagesOfKey = new Map<string, string[]>();
    const unreadable: string[] = [];
    for (const message of event.Records) {
      try {
        for (const contentEvent of eventsOfMessage(message.body)) {
          events.push(contentEvent);
          messagesOfKey.set(contentEvent.key, [...(messagesOfKey.get(contentEvent.key) ?? []), message.messageId]);
        }
      } catch {
        log({ level: 'ERROR', message: 'not an S3 notification', messageId: message.messageId });
        unreadable.push(message.messageId);
      }
    }
    let result: IngestResult;
    const judged = new Map<string, JudgedObject>();
    try {
      result = await ingestBatch(events, {
        store: options.store,
        site,
        source: batchSource(judged),
        reporter,
        ...(options.assets ? { assets: options.assets } : {}),
        ...(options.invalidator ? { invalidator: options.invalidator } : {}),
        ...(options.queue ? { queue: options.queue } : {}),
        renderTrigger: event.Records.some((m) => isRenderTrigger(m.body)),
        ...options.timing,
        log,
      });
      // Last, so `content publish` sees a verdict only once the table holds what it names. A verdict
      // that cannot be written fails the batch: the retry re-judges (see withReplayed).
      const at = new Date();
      const verdicts = await putVerdicts(putReport, await withReplayed(judged, events, result), events, result, at, stillCurrentIn(judged));
      await recordIngestReport(options.store, verdicts, at, log);
    } catch (error) {
      log({ level: 'ERROR', message: 'ingest failed; the whole batch is retried', error: error instanceof Error ? error.stack : String(error) });
      return { batchItemFailures: event.Records.map((m) => ({ itemIdentifier: m.messageId })) };
    }
    const { failures, ...summary } = result;
    // A zero keeps the metric continuous, so an alarm on it sees "no failures" rather than no data.
    if (failures.length === 0) options.countFailures(0);
    log({ level: failures.length > 0 ? 'WARN' : 'INFO', message: 'ingest finished', messages: event.Records.length, ...summary, failed: failures.map((f) => f.key) });
    const retried = new Set([...unreadable, ...result.retry.flatMap((key) => messagesOfKey.get(key) ?? [])]);
    return { batchItemFailures: [...retried].map((itemIdentifier) => ({ itemIdentifier })), result };
  };
}
