import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions } from '../../lambdas/api/routes';
import { ATTEMPT_INSERTS } from '../../lambdas/events/item-stats';
import { logicalId, synthesizer } from '../support/synth';

const synth = synthesizer();

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };

/** Every statement of the policies attached to the role of the function whose logical id matches. */
function statementsOf(template: Template, fn: RegExp): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => fn.test(id))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
const tableStatements = (statements: Statement[]) => statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
const onTable = (s: Statement) => JSON.stringify(s.Resource).includes('/index/') === false;

describe('item statistics', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'prod' }));
  });

  it('streams new images of the table', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
  });

  it('feeds the aggregator inserted attempts only, in batches with partial failures, retries and an on-failure queue', () => {
    const aggregator = logicalId(template, 'AWS::Lambda::Function', /^ItemStatisticsAggregator[0-9A-F]{8}$/);
    const dlq = logicalId(template, 'AWS::SQS::Queue', /^ItemStatisticsDeadLetters/);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: aggregator },
      EventSourceArn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['StreamArn']) }),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: Match.anyValue(),
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(ATTEMPT_INSERTS) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
    expect(ATTEMPT_INSERTS).toEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['attempt'] } } } });
  });

  it('alarms on the on-failure queue and notifies the alarm topic', () => {
    const dlq = logicalId(template, 'AWS::SQS::Queue', /^ItemStatisticsDeadLetters/);
    const topic = logicalId(template, 'AWS::SNS::Topic', /^ObservabilityAlarms/);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('lets the aggregator write the statistics partitions only, with a leading key required', () => {
    const statements = tableStatements(statementsOf(template, /^ItemStatisticsAggregatorServiceRoleDefaultPolicy/));
    const writes = statements.filter((s) => [s.Action].flat().some((a) => /Put|Update|Delete|BatchWrite/.test(a)));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['STATS#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
  });
});

describe('API table access', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'prod' }));
  });
  const functions = Object.keys(apiFunctions).map((name) => new RegExp(`^Api${name[0]!.toUpperCase()}${name.slice(1)}Function`));

  it('scopes every read and write on the table to declared partitions, with a Null guard', () => {
    for (const fn of functions) {
      const statements = tableStatements(statementsOf(template, fn)).filter(onTable);
      expect(statements.length, String(fn)).toBeGreaterThan(0);
      for (const s of statements) {
        expect(s.Condition?.Null, `${fn} ${JSON.stringify(s.Action)}`).toEqual({ 'dynamodb:LeadingKeys': 'false' });
        expect(s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'], String(fn)).toEqual(expect.any(Array));
      }
    }
  });

  it('never grants a Scan to an API function', () => {
    for (const fn of functions) {
      expect(statementsOf(template, fn).flatMap((s) => [s.Action].flat()).filter((a) => /Scan/.test(a)), String(fn)).toEqual([]);
    }
  });

  it('lets no API function write a lesson partition; authors read statistics in their own partition and the ingest reports in theirs, no other site state', () => {
    for (const fn of functions) {
      const writes = tableStatements(statementsOf(template, fn)).filter((s) => [s.Action].flat().some((a) => /Put|Update|Delete|BatchWrite/.test(a)));
      for (const s of writes) expect(JSON.stringify(s.Condition), String(fn)).not.toMatch(/LESSON#|STATS#/);
    }
    const authorReads = tableStatements(statementsOf(template, /^ApiAuthorStatsFunction/)).filter((s) => onTable(s) && [s.Action].flat().includes('dynamodb:GetItem'));
    expect(authorReads.map((s) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'])).toEqual([['LESSON#*', 'STATS#*', 'SITE#REPORTS']]);
  });
});
