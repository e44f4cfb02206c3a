import { Stack, Token, Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers that name cdk-nag findings precisely. cdk-nag v3 acknowledges each finding by its full id
 * (e.g. `AwsSolutions-IAM5[Resource::<BucketLogicalId.Arn>/*]`), so the ids are derived from the
 * resources themselves instead of being copied from a synth log.
 */

/** `<LogicalId.Arn>` as cdk-nag prints a reference to a resource's ARN. */
export function arnRef(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnResource | undefined;
  if (!cfn) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return `<${Stack.of(resource).getLogicalId(cfn)}.Arn>`;
}

export function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason });
}

/** The stack's region and account as cdk-nag prints them: a literal when known, else the pseudo parameter. */
export function nagEnvironment(scope: IConstruct): { account: string; region: string } {
  const { account, region } = Stack.of(scope);
  return {
    account: Token.isUnresolved(account) ? '<AWS::AccountId>' : account,
    region: Token.isUnresolved(region) ? '<AWS::Region>' : region,
  };
}

/** The CDK bootstrap asset bucket, as cdk-nag prints it for this stack's region. */
export function bootstrapAssetBucketObjects(scope: IConstruct): string {
  const { account, region } = nagEnvironment(scope);
  return `arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`;
}

/** Stack-level singletons that CDK creates for a feature (e.g. bucket notifications), by id prefix. */
export function stackSingletons(scope: IConstruct, idPrefix: string): IConstruct[] {
  return Stack.of(scope).node.children.filter((child) => child.node.id.startsWith(idPrefix));
}

export const BASIC_EXECUTION_ROLE = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/**
 * Findings of the NIST 800-53 rev 5 and Serverless packs that recur on many constructs, with the one
 * reason that holds for each wherever it is acknowledged. Acknowledge them next to the construct.
 */
export const COMMON_FINDINGS = {
  vpc: {
    'NIST.800.53.R5-LambdaInsideVPC':
      'The function reaches only AWS service endpoints (DynamoDB, S3, CloudFront, Secrets Manager, CloudWatch) over TLS with IAM-signed requests; there is no private resource to reach, and a VPC would add NAT or endpoint cost without narrowing what the role may do.',
  },
  concurrency: {
    'NIST.800.53.R5-LambdaConcurrency':
      'Reserved concurrency is taken from the account\'s unreserved pool, which must keep at least 100; in a new account (quota 10) any reservation fails the deploy. The API stage throttle bounds concurrency instead, and the throttles alarm reports exhaustion (docs/deploy.md checklist: account quota).',
  },
  inlinePolicy: {
    'NIST.800.53.R5-IAMNoInlinePolicy':
      'These are the per-role policies CDK grants generate, scoped to this role\'s own resources; a customer managed policy would need iam:CreatePolicy, which the CDK execution policy denies on purpose (docs/cdk-execution-policy.json).',
  },
  logKey: {
    'NIST.800.53.R5-CloudWatchLogGroupEncrypted':
      'CloudWatch Logs encrypts every log group at rest with keys it manages; a customer managed KMS key would only move who may decrypt into a key policy, which IAM on logs:GetLogEvents already decides, at a per-key monthly cost.',
  },
} as const;

/** Findings on CDK's own custom-resource handlers, which run only during deployments. */
export const CDK_HANDLER_FINDINGS = {
  ...COMMON_FINDINGS.vpc,
  ...COMMON_FINDINGS.inlinePolicy,
  'NIST.800.53.R5-LambdaConcurrency': 'CDK\'s custom-resource handler is invoked by CloudFormation once per deployment; reserving concurrency for it would only shrink the account\'s pool.',
  'NIST.800.53.R5-LambdaDLQ': 'CloudFormation invokes CDK\'s custom-resource handler and waits for its answer; a failure fails (and rolls back) the deployment, there is no event to keep.',
  'Serverless-LambdaDLQ': 'CloudFormation invokes CDK\'s custom-resource handler and waits for its answer; a failure fails (and rolls back) the deployment, there is no event to keep.',
  'Serverless-LambdaLatestVersion': 'CDK pins the runtime of its own custom-resource handler; it runs only during deployments.',
  'Serverless-LambdaTracing': 'CDK\'s custom-resource handler runs only during deployments; CloudFormation events trace it.',
} as const;
