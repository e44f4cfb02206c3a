import { Duration } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/middleware/metrics-contract';
import type { StageConfig } from '../config';
import { acknowledge, arnRef, BASIC_EXECUTION_ROLE, stackSingletons } from '../nag';
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

/** Only lessons and metadata trigger ingest: ingest's own reports (JSON) under reports/ never do. */
const contentSuffixes = ['.md', '.yaml'];

/**
 * Authors upload lessons to the content bucket; every created or removed lesson or metadata file
 * invokes the ingest function, which validates it against the catalog, stores metadata, answer keys
 * and the concept index in the table, writes or deletes pages in the site bucket, invalidates those
 * paths in CloudFront, and files a report under `reports/` for a rejected file.
 */
export class ContentPipeline extends Construct {
  readonly bucket: Bucket;
  readonly ingestFunction: RungsFunction;

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
      timeout: Duration.seconds(60),
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      environment: {
        TABLE_NAME: table.tableName,
        SITE_BUCKET: siteBucket.bucketName,
        CONTENT_BUCKET: this.bucket.bucketName,
        ...(props.distribution ? { DISTRIBUTION_ID: props.distribution.distributionId } : {}),
        RUNGS_STAGE: config.stage,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
    });
    // Exactly what ingest does: read and list content (a lesson may name files still arriving), write
    // failure reports, write and delete pages, read and write the table, invalidate changed paths.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('reports/*')] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [siteBucket.arnForObjects('*')] }));
    table.grantReadWriteData(fn);
    props.distribution?.grantCreateInvalidation(fn);
    acknowledge(fn, {
      [`AwsSolutions-IAM5[Resource::${arnRef(this.bucket)}/*]`]: 'Ingest reads whichever lesson object was uploaded; object keys are not known in advance.',
      [`AwsSolutions-IAM5[Resource::${arnRef(this.bucket)}/reports/*]`]: 'Ingest writes one report per rejected file under reports/; the names carry the time and file.',
      [`AwsSolutions-IAM5[Resource::${arnRef(siteBucket)}/*]`]: 'Ingest writes and deletes one page per lesson; page keys derive from lesson ids not known in advance.',
      [`AwsSolutions-IAM5[Resource::${arnRef(table)}/index/*]`]: 'The catalog is read through the table\'s own index, only addressable as <table>/index/*.',
    });
    this.ingestFunction = fn;

    const destination = new LambdaDestination(fn);
    for (const event of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      for (const suffix of contentSuffixes) this.bucket.addEventNotification(event, destination, { suffix });
    }
    for (const handler of stackSingletons(this, 'BucketNotificationsHandler')) {
      acknowledge(handler, {
        [BASIC_EXECUTION_ROLE]: 'CDK\'s bucket-notification custom resource only needs to write its own logs.',
        'AwsSolutions-IAM5[Resource::*]': 'CDK\'s bucket-notification custom resource sets notifications on buckets named at deploy time.',
      });
    }
  }
}
