import { RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type BucketProps, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps extends BucketProps {
  removalPolicy: RemovalPolicy;
  /** Where S3 server access logs go; omitted only for the log bucket itself. */
  accessLogs?: { bucket: IBucket; prefix: string };
}

/** Private, encrypted, TLS-only buckets; in a destroyable stage they empty themselves on delete. */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): Bucket {
  const { accessLogs, removalPolicy, ...overrides } = props;
  return new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    ...(accessLogs ? { serverAccessLogsBucket: accessLogs.bucket, serverAccessLogsPrefix: accessLogs.prefix } : {}),
    ...overrides,
  });
}
