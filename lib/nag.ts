import { Stack, Token, Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers that name cdk-nag findings precisely. cdk-nag v3 acknowledges each finding by its full id
 * (e.g. `AwsSolutions-IAM5[Resource::<TableLogicalId.Arn>/index/*]`), so the ids are derived from the
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
