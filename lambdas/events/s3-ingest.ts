import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { INGEST_METRICS, METRICS_NAMESPACE } from '../monitoring/metrics-contract';
import { defaultStore } from '../store/client';
import { cloudFrontInvalidator } from './cloudfront';
import { createQueueIngestHandler } from './s3-handler';
import { sqsIngestQueue } from './sqs';

/**
 * The ingest Lambda, fed by the content queue (S3 notifications, batched): configuration from the
 * environment, CloudFront and metrics; the rest is shared.
 */
function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the ingest function cannot publish pages`);
  return value;
}

const numberEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};

// Namespace and service come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME, set by the stack per stage.
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE });
const distributionId = process.env.DISTRIBUTION_ID;
const queueUrl = process.env.INGEST_QUEUE_URL;

const ingestBatch = createQueueIngestHandler({
  s3: new S3Client({}),
  store: defaultStore(),
  siteBucket: requiredEnv('SITE_BUCKET'),
  contentBucket: requiredEnv('CONTENT_BUCKET'),
  ...(distributionId ? { invalidator: cloudFrontInvalidator(distributionId) } : {}),
  ...(queueUrl ? { queue: sqsIngestQueue(queueUrl) } : {}),
  countFailures: (count) => metrics.addMetric(INGEST_METRICS.failures, MetricUnit.Count, count),
  timing: {
    settleMs: numberEnv('INGEST_SETTLE_MS', 3_000),
    maxDeferMs: numberEnv('INGEST_MAX_DEFER_MS', 30_000),
    leaseMs: numberEnv('INGEST_LEASE_MS', 150_000),
  },
});

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  try {
    const { batchItemFailures } = await ingestBatch(event);
    return { batchItemFailures };
  } finally {
    metrics.publishStoredMetrics();
  }
}
