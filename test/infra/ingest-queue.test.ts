import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INGEST_QUEUE } from '../../lib/constructs/content-pipeline';
import { contentPartitionPrefixes } from '../../lambdas/store/keys';
import { logicalId, nagErrors, synthesizer } from '../support/synth';

const synth = synthesizer();

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

describe('the content ingest queue', () => {
  let template: Template;
  let stack: ReturnType<typeof synth>['stack'];
  let queue: string;
  let deadLetters: string;
  beforeAll(() => {
    ({ template, stack } = synth({ stage: 'prod', alarmEmail: 'oncall@example.org' }));
    queue = logicalId(template, 'AWS::SQS::Queue', /IngestQueue/);
    deadLetters = logicalId(template, 'AWS::SQS::Queue', /IngestDeadLetters/);
  });

  it('sends created and removed lesson, metadata and figure files to the queue, never reports and never the function directly', () => {
    const configs = Object.values(template.findResources('Custom::S3BucketNotifications')).map((n) => n.Properties.NotificationConfiguration);
    const queued = configs.flatMap((c) => c.QueueConfigurations ?? []) as { Events: string[]; Filter: { Key: { FilterRules: { Value: string }[] } }; QueueArn: unknown }[];
    expect(queued.map((c) => `${c.Events.join()} ${c.Filter.Key.FilterRules.map((r) => r.Value).join()}`).sort()).toEqual([
      's3:ObjectCreated:* .md',
      's3:ObjectCreated:* .png',
      's3:ObjectCreated:* .svg',
      's3:ObjectCreated:* .webp',
      's3:ObjectCreated:* .yaml',
      's3:ObjectRemoved:* .md',
      's3:ObjectRemoved:* .png',
      's3:ObjectRemoved:* .svg',
      's3:ObjectRemoved:* .webp',
      's3:ObjectRemoved:* .yaml',
    ]);
    for (const c of queued) expect(c.QueueArn).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
    expect(configs.flatMap((c) => c.LambdaFunctionConfigurations ?? [])).toEqual([]);
  });

  it('moves a message that failed five receives to an encrypted dead-letter queue kept for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] }, maxReceiveCount: INGEST_QUEUE.maxReceiveCount },
      VisibilityTimeout: INGEST_QUEUE.functionTimeout.toSeconds() * 6,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
  });

  it('refuses plain HTTP on both queues', () => {
    for (const id of [queue, deadLetters]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('alarms to the alarm topic as soon as one message is in the dead-letter queue', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', /Alarms/);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('feeds the ingest in large batches with a batching window, partial batch responses and at most two at once', () => {
    const ingest = logicalId(template, 'AWS::Lambda::Function', /ContentIngestFunction[0-9A-F]{8}$/);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ingest },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: INGEST_QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: INGEST_QUEUE.maxBatchingWindow.toSeconds(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: INGEST_QUEUE.maxConcurrency },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: INGEST_QUEUE.functionTimeout.toSeconds(),
      Environment: { Variables: Match.objectLike({ INGEST_SETTLE_MS: String(INGEST_QUEUE.settleMs), INGEST_QUEUE_URL: { Ref: queue } }) },
    });
  });

  it('lets the ingest see how many events wait and send itself a delayed render trigger on its own queue', () => {
    const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => /ContentIngestFunction/.test(id))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
    const send = statements.find((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect([send?.Action].flat()).toEqual(expect.arrayContaining(['sqs:SendMessage', 'sqs:GetQueueAttributes']));
    expect(send?.Resource).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
  });

  it('lets the ingest write only the content partitions of the table, with a Null guard, and never scan', () => {
    const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => /ContentIngestFunction/.test(id))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    const onTable = dynamo.filter((s) => !JSON.stringify(s.Resource).includes('/index/'));
    expect(onTable.length).toBeGreaterThan(0);
    for (const s of onTable) {
      expect(s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']).toEqual(contentPartitionPrefixes.map((p) => `${p}*`));
      expect(s.Condition?.Null).toEqual({ 'dynamodb:LeadingKeys': 'false' });
    }
    expect(contentPartitionPrefixes).not.toContain('USER#');
    const onIndex = dynamo.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
    expect(onIndex.flatMap((s) => [s.Action].flat())).toEqual(['dynamodb:Query']);
    expect(dynamo.flatMap((s) => [s.Action].flat()).filter((a) => /Scan|BatchWrite|\*/.test(a))).toEqual([]);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(nagErrors(stack)).toEqual([]);
  });
});
