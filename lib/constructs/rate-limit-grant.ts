import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as keys from '../../lambdas/store/keys';

/**
 * Lets an API function keep its rate-limit state and nothing else: UpdateItem only, only on items
 * whose partition key is a rate-limit key (IAM's dynamodb:LeadingKeys condition), in a policy of its
 * own so that a reader's table grant stays read-only.
 */
export function grantRateLimitState(fn: IFunction, table: TableV2): Policy {
  if (!fn.role) throw new Error(`${fn.node.path} has no role to grant rate-limit state to`);
  const prefix = keys.rateLimit('', '').pk;
  const policy = new Policy(fn, 'RateLimitState', {
    statements: [
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        // ForAllValues also holds for a request with no leading key: the Null guard requires one.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      }),
    ],
  });
  fn.role.attachInlinePolicy(policy);
  return policy;
}
