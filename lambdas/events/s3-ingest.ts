import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { METRICS_NAMESPACE } from '../middleware/metrics-contract';
import { defaultStore } from '../store/client';
import { cloudFrontInvalidator } from './cloudfront';
import { createS3IngestHandler } from './s3-handler';

/** The ingest Lambda: configuration from the environment, CloudFront and metrics; the rest is shared. */
function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the ingest function cannot publish pages`);
  return value;
}

// Namespace and service come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME, set by the stack per stage.
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE });
const distributionId = process.env.DISTRIBUTION_ID;

const ingestEvent = createS3IngestHandler({
  s3: new S3Client({}),
  store: defaultStore(),
  siteBucket: requiredEnv('SITE_BUCKET'),
  contentBucket: requiredEnv('CONTENT_BUCKET'),
  ...(distributionId ? { invalidator: cloudFrontInvalidator(distributionId) } : {}),
  countFailures: (count) => metrics.addMetric('IngestFailures', MetricUnit.Count, count),
});

export async function handler(event: S3Event) {
  try {
    return await ingestEvent(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
