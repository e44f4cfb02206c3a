import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { stageConfig } from '../../lib/config';
import { FsrsOptimizer } from '../../lib/constructs/optimizer';
import { REVIEW_LOG_INSERTS } from '../../lambdas/events/fsrs-optimizer';

/** The construct on its own (the lead wires it into the stack): a table with a stream, no bundling. */
function optimizerTemplate() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'OptimizerTest');
  const table = new TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
  });
  new FsrsOptimizer(stack, 'Optimizer', { config: stageConfig('dev'), table, streamArn: table.tableStreamArn! });
  return Template.fromStack(stack);
}

describe('the FSRS optimizer construct', () => {
  const template = optimizerTemplate();

  it('runs the job on x86_64 Node 24 (FSRS-rs 0.5.0 has no ARM64 build) with minutes, not seconds, of budget', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['x86_64'],
      Runtime: 'nodejs24.x',
      Timeout: 300,
      Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue() }) },
    });
  });

  it('feeds it only inserted review logs from the stream, with partial batch failures and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(REVIEW_LOG_INSERTS) }] },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('lets it query and update learner partitions only, never scan', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as { Action: string | string[]; Condition?: unknown }[];
    const tableStatement = statements.find((s) => [s.Action].flat().includes('dynamodb:UpdateItem'));
    expect([tableStatement?.Action].flat().sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(tableStatement?.Condition).toMatchObject({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] } });
    expect(statements.some((s) => [s.Action].flat().includes('dynamodb:Scan'))).toBe(false);
  });
});
