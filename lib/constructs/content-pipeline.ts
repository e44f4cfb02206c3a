import { Duration } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { acknowledge, arnRef, BASIC_EXECUTION_ROLE, stackSingletons } from '../nag';
import { RungsFunction } from './rungs-function';
import { secureBucket } from './secure-bucket';

export interface ContentPipelineProps {
  config: StageConfig;
  table: TableV2;
  siteBucket: Bucket;
  logBucket: Bucket;
}

/**
 * Authors upload lessons to the content bucket; every new object invokes the ingest function, which
 * stores the lesson's metadata in the table and writes its rendered page to the site bucket.
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
      environment: { TABLE_NAME: table.tableName, SITE_BUCKET: siteBucket.bucketName, RUNGS_STAGE: config.stage },
    });
    // Exactly what ingest does: read uploaded objects, write rendered pages, read and write the table.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [siteBucket.arnForObjects('*')] }));
    table.grantReadWriteData(fn);
    acknowledge(fn, {
      [`AwsSolutions-IAM5[Resource::${arnRef(this.bucket)}/*]`]: 'Ingest reads whichever lesson object was uploaded; object keys are not known in advance.',
      [`AwsSolutions-IAM5[Resource::${arnRef(siteBucket)}/*]`]: 'Ingest writes one page per lesson; page keys derive from lesson ids not known in advance.',
      [`AwsSolutions-IAM5[Resource::${arnRef(table)}/index/*]`]: 'The catalog is read through the table\'s own index, only addressable as <table>/index/*.',
    });
    this.ingestFunction = fn;

    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(fn));
    for (const handler of stackSingletons(this, 'BucketNotificationsHandler')) {
      acknowledge(handler, {
        [BASIC_EXECUTION_ROLE]: 'CDK\'s bucket-notification custom resource only needs to write its own logs.',
        'AwsSolutions-IAM5[Resource::*]': 'CDK\'s bucket-notification custom resource sets notifications on buckets named at deploy time.',
      });
    }
  }
}
