import { Duration, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, arnRef, COMMON_FINDINGS } from '../nag';

/**
 * Every content-publisher role lives under this IAM path, so the CI deploy role can be allowed to
 * assume exactly these roles (`role/rungs/content-publisher/*`) without knowing their generated names.
 */
export const CONTENT_PUBLISHER_PATH = '/rungs/content-publisher/';

export interface ContentPublisherProps {
  contentBucket: IBucket;
}

/**
 * The role `npm run content -- publish --stage <stage>` runs as in CI: upload lessons to the content
 * bucket (the ingest does the rest) and read this stack's outputs to find it. Nothing else.
 */
export class ContentPublisher extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ContentPublisherProps) {
    super(scope, id);
    const { contentBucket } = props;
    // The account trusts itself: who may assume the role is decided by the callers' own policies
    // (in CI only the deploy role, through the path above).
    this.role = new Role(this, 'Role', {
      path: CONTENT_PUBLISHER_PATH,
      assumedBy: new AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(1),
      description: 'Publishes lessons to the content bucket',
    });
    // `publish` uploads every file (metadata first) and finds the bucket in the stack's outputs.
    this.role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [contentBucket.arnForObjects('*')] }));
    this.role.addToPolicy(new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Stack.of(this).stackId] }));
    acknowledge(this.role, {
      [`AwsSolutions-IAM5[Resource::${arnRef(contentBucket)}/*]`]: 'Publishing writes one object per lesson file; keys follow the content tree and are not known in advance.',
      ...COMMON_FINDINGS.inlinePolicy,
    });
  }
}
