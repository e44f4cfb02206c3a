import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './dead-letter-alarm';
import * as keys from '../../lambdas/store/keys';
import { contentPartitionPrefixes } from '../../lambdas/store/keys';
import { CONTENT_SUFFIXES } from '../../lambdas/events/notifications';
import { METRICS_NAMESPACE } from '../../lambdas/monitoring/metrics-contract';
import type { StageConfig } from '../config';
import { acknowledge, arnRef, BASIC_EXECUTION_ROLE, CDK_HANDLER_FINDINGS, COMMON_FINDINGS, stackSingletons } from '../nag';
import { RungsFunction } from './rungs-function';
import { secureBucket } from './secure-bucket';

export interface ContentPipelineProps {
  config: StageConfig;
  table: TableV2;
  siteBucket: Bucket;
  logBucket: Bucket;
  /** The distribution in front of the site: ingest invalidates exactly the pages it rewrote. */
  distribution?: IDistribution;
}


/**
 * How the queue feeds the ingest. A batch is one ingest (each page rendered once per batch, one
 * invalidation), so batches are large and few: up to `batchSize` events or `maxBatchingWindow`,
 * at most `maxConcurrency` batches at once (2 is the lowest Lambda allows), and a batch that
 * changed the catalog waits `settleMs` for later ones before rendering the catalog-wide pages.
 */
export const INGEST_QUEUE = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(10),
  maxConcurrency: 2,
  functionTimeout: Duration.minutes(2),
  /** Receives before a message goes to the dead-letter queue. */
  maxReceiveCount: 5,
  settleMs: 3_000,
  maxDeferMs: 30_000,
} as const;

/**
 * Authors upload lessons to the content bucket; every created or removed lesson, metadata or figure
 * file becomes a message on the ingest queue (S3 notifications → SQS), and the ingest function takes
 * them in batches: it validates each file against the catalog, stores metadata and answer keys in
 * the table, writes or deletes pages (and publishes figures under content-hashed names) in the site bucket, invalidates those paths in CloudFront, and
 * files a report under `reports/` for a rejected file. Messages that keep failing land in a
 * dead-letter queue, which alarms.
 */
export class ContentPipeline extends Construct {
  readonly bucket: Bucket;
  readonly ingestFunction: RungsFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Any message in the dead-letter queue: an upload that was never ingested. */
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ContentPipelineProps) {
    super(scope, id);
    const { config, table, siteBucket } = props;

    this.bucket = secureBucket(this, 'Bucket', {
      removalPolicy: config.removalPolicy,
      versioned: true,
      accessLogs: { bucket: props.logBucket, prefix: 's3/content/' },
    });

    const fn = new RungsFunction(this, 'IngestFunction', {
      entry: 'lambdas/events/s3-ingest.ts',
      description: 'Validates and renders uploaded lessons',
      timeout: INGEST_QUEUE.functionTimeout,
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      environment: {
        TABLE_NAME: table.tableName,
        SITE_BUCKET: siteBucket.bucketName,
        CONTENT_BUCKET: this.bucket.bucketName,
        ...(props.distribution ? { DISTRIBUTION_ID: props.distribution.distributionId } : {}),
        RUNGS_STAGE: config.stage,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        INGEST_SETTLE_MS: String(INGEST_QUEUE.settleMs),
        INGEST_MAX_DEFER_MS: String(INGEST_QUEUE.maxDeferMs),
        // Longer than the function may run, so a live render pass never loses its lease.
        INGEST_LEASE_MS: String(INGEST_QUEUE.functionTimeout.toMilliseconds() + 30_000),
      },
    });
    // Exactly what ingest does: read and list content (a lesson may name files still arriving), write
    // failure reports, write and delete pages, read and write the content partitions of the table
    // (never a learner's, never a scan), invalidate changed paths.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('reports/*')] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [siteBucket.arnForObjects('*')] }));
    const contentPartitions = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': contentPartitionPrefixes.map((prefix) => `${prefix}*`) },
      // ForAllValues also holds for a request with no leading key at all: require one.
      Null: { 'dynamodb:LeadingKeys': 'false' },
    };
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
        resources: [table.tableArn],
        conditions: contentPartitions,
      }),
    );
    // The catalog is read through the index (its partition is CATALOG, not a content prefix).
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${keys.catalogIndex}`] }));
    props.distribution?.grantCreateInvalidation(fn);
    acknowledge(fn, {
      [`AwsSolutions-IAM5[Resource::${arnRef(this.bucket)}/*]`]: 'Ingest reads whichever lesson object was uploaded; object keys are not known in advance.',
      [`AwsSolutions-IAM5[Resource::${arnRef(this.bucket)}/reports/*]`]: 'Ingest writes one report per rejected file under reports/; the names carry the time and file.',
      [`AwsSolutions-IAM5[Resource::${arnRef(siteBucket)}/*]`]: 'Ingest writes and deletes one page per lesson; page keys derive from lesson ids not known in advance.',
    });
    this.ingestFunction = fn;

    this.deadLetterQueue = new Queue(this, 'IngestDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'IngestQueue', {
      // Lambda's advice for queue event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(INGEST_QUEUE.functionTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INGEST_QUEUE.maxReceiveCount },
    });
    this.deadLetterAlarm = deadLetterAlarm(this, 'IngestDeadLettersAlarm', this.deadLetterQueue, 'Content events were not ingested after several attempts: see the ingest logs, then redrive the dead-letter queue');

    const destination = new SqsDestination(this.queue);
    for (const event of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      for (const suffix of CONTENT_SUFFIXES) this.bucket.addEventNotification(event, destination, { suffix });
    }
    // A batch that finishes while events still wait leaves the render pass to a later batch, and
    // sends itself a delayed render trigger so one surely follows.
    fn.addEnvironment('INGEST_QUEUE_URL', this.queue.queueUrl);
    this.queue.grantSendMessages(fn);
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INGEST_QUEUE.batchSize,
        maxBatchingWindow: INGEST_QUEUE.maxBatchingWindow,
        maxConcurrency: INGEST_QUEUE.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    for (const mapping of fn.node.children.filter((child) => child.node.id.startsWith('SqsEventSource'))) {
      acknowledge(mapping, {
        'Serverless-LambdaEventSourceMappingDestination':
          'Lambda supports on-failure destinations only for stream and Kafka sources; for an SQS source a message that keeps failing is moved by the queue\'s redrive policy to IngestDeadLetters, which is alarmed.',
      });
    }
    acknowledge(this.deadLetterQueue, {
      'Serverless-SQSRedrivePolicy': 'This is the dead-letter queue itself, the end of the line: messages stay 14 days, its alarm pages, and they are redriven to IngestQueue by hand after a fix.',
    });
    const asyncReason = 'Invoked only by its SQS event source mapping, which polls and calls it synchronously; a failed message returns to IngestQueue and, after repeated failures, moves to IngestDeadLetters (alarmed). There is no asynchronous invocation to keep.';
    acknowledge(fn, { 'NIST.800.53.R5-LambdaDLQ': asyncReason, 'Serverless-LambdaDLQ': asyncReason });
    acknowledge(this.bucket, {
      'NIST.800.53.R5-S3BucketReplicationEnabled': 'The bucket holds published copies of the lessons in the git repository (content/), versioned; the repository is the replica, and `npm run content -- publish` restores it.',
      'NIST.800.53.R5-S3DefaultEncryptionKMS': 'Lessons are public once published; SSE-S3 encrypts them at rest and a customer key would protect nothing secret.',
      ...COMMON_FINDINGS.inlinePolicy,
    });
    for (const handler of stackSingletons(this, 'BucketNotificationsHandler')) {
      acknowledge(handler, {
        [BASIC_EXECUTION_ROLE]: 'CDK\'s bucket-notification custom resource only needs to write its own logs.',
        'AwsSolutions-IAM5[Resource::*]': 'CDK\'s bucket-notification custom resource sets notifications on buckets named at deploy time.',
        ...CDK_HANDLER_FINDINGS,
      });
    }
  }
}
