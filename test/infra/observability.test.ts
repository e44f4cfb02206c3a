import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions } from '../../lambdas/api/routes';
import { CUSTOM_METRICS, METRICS_NAMESPACE } from '../../lib/constructs/observability';
import { logicalId, synthesizer } from '../support/synth';

const synth = synthesizer();

type Alarm = { Properties: Record<string, unknown> };

/** Every metric an alarm reads, flattened from plain and metric-math alarms. */
function metricsOf(alarm: Alarm): { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] }[] {
  const p = alarm.Properties as { Namespace?: string; MetricName?: string; Dimensions?: []; Metrics?: { MetricStat?: { Metric: never } }[] };
  if (p.MetricName) return [{ Namespace: p.Namespace!, MetricName: p.MetricName, Dimensions: p.Dimensions }];
  return (p.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
}

describe('alarms and dashboard', () => {
  let template: Template;
  let alarms: Alarm[];
  const alarmsOn = (namespace: string, metricName: string) =>
    alarms.filter((a) => metricsOf(a).some((m) => m.Namespace === namespace && m.MetricName === metricName));

  beforeAll(() => {
    ({ template } = synth({ stage: 'prod' }));
    alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
  });

  it('alarms on the API 5xx rate as a share of requests', () => {
    const [alarm] = alarmsOn('AWS/ApiGateway', '5xx');
    expect(alarm).toBeDefined();
    expect(metricsOf(alarm!).map((m) => m.MetricName).sort()).toEqual(['5xx', 'Count']);
    expect(JSON.stringify(alarm!.Properties.Metrics)).toContain('100 * errors / requests');
  });

  it('alarms on p99 API latency', () => {
    const [alarm] = alarmsOn('AWS/ApiGateway', 'Latency');
    expect(alarm?.Properties).toMatchObject({ Threshold: 2000, Metrics: [expect.objectContaining({ MetricStat: expect.objectContaining({ Stat: 'p99' }) })] });
  });

  it('alarms on the rate-limited share, read from the Rungs namespace with the stage service dimension', () => {
    const [alarm] = alarmsOn(METRICS_NAMESPACE, CUSTOM_METRICS.rateLimited);
    expect(alarm).toBeDefined();
    const metrics = metricsOf(alarm!);
    expect(metrics.map((m) => m.MetricName).sort()).toEqual([CUSTOM_METRICS.rateAllowed, CUSTOM_METRICS.rateLimited].sort());
    for (const m of metrics) expect(m.Dimensions).toEqual([{ Name: 'service', Value: 'rungs-api-prod' }]);
  });

  it('sets the metrics contract in the environment of the functions that publish', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rungs-api-prod', POWERTOOLS_METRICS_NAMESPACE: 'Rungs' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rungs-ingest-prod', SITE_BUCKET: Match.anyValue() }) },
    });
  });

  it('alarms on DynamoDB read and write throttles', () => {
    const reads = alarmsOn('AWS/DynamoDB', 'ReadThrottleEvents');
    expect(reads).toHaveLength(1);
    expect(alarmsOn('AWS/DynamoDB', 'WriteThrottleEvents')).toEqual(reads);
  });

  it('alarms on failed ingests: the custom count and the ingest function errors', () => {
    expect(alarmsOn(METRICS_NAMESPACE, CUSTOM_METRICS.ingestFailures)).toHaveLength(1);
    const ingest = logicalId(template, 'AWS::Lambda::Function', /IngestFunction/);
    const errors = alarmsOn('AWS/Lambda', 'Errors').filter((a) => JSON.stringify(a).includes(ingest));
    expect(errors).toHaveLength(1);
  });

  it('alarms on errors and throttles of every application function', () => {
    const functions = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: Match.anyValue() } } } }));
    expect(functions.length).toBeGreaterThanOrEqual(Object.keys(apiFunctions).length + 2);
    for (const fn of functions) {
      const [alarm, ...more] = alarmsOn('AWS/Lambda', 'Errors').filter((a) => JSON.stringify(a).includes(`"${fn}"`));
      expect(more, fn).toEqual([]);
      expect(metricsOf(alarm!).map((m) => m.MetricName).sort(), fn).toEqual(['Errors', 'Throttles']);
      expect(JSON.stringify(alarm!.Properties.Metrics)).toContain('errors + throttles');
    }
  });

  it('counts the API 5xx share only above a minimum volume, so a single failure at night is not 100 %', () => {
    const [alarm] = alarmsOn('AWS/ApiGateway', '5xx');
    expect(JSON.stringify(alarm!.Properties.Metrics)).toContain('IF(requests >= 50, 100 * errors / requests, 0)');
  });

  it('alarms on the CloudFront 5xx rate above a minimum volume, where CloudFront publishes its metrics', () => {
    const [alarm, ...more] = alarmsOn('AWS/CloudFront', '5xxErrorRate');
    expect(more).toEqual([]);
    expect(alarm!.Properties).toMatchObject({ Threshold: 5, EvaluationPeriods: 2 });
    expect(JSON.stringify(alarm!.Properties.Metrics)).toContain('IF(requests >= 50, rate, 0)');
    for (const m of metricsOf(alarm!)) expect(m.Dimensions).toEqual(expect.arrayContaining([{ Name: 'Region', Value: 'Global' }]));
  });

  it('runs a health canary through CloudFront every minute whose silence is an alarm', () => {
    const canary = logicalId(template, 'AWS::Lambda::Function', /HealthCanary/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SITE_URL: Match.anyValue(), POWERTOOLS_SERVICE_NAME: 'rungs-canary-prod' }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [canary, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    const [alarm] = alarmsOn(METRICS_NAMESPACE, 'HealthCheckPassed');
    expect(alarm!.Properties).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
    expect(metricsOf(alarm!)).toEqual([expect.objectContaining({ Dimensions: [{ Name: 'service', Value: 'rungs-canary-prod' }] })]);
    expect(JSON.stringify(alarm!.Properties)).toContain('"Period":60');
    // Every other alarm is quiet without data: silence there means no traffic, and the canary covers it.
    for (const other of alarms.filter((a) => a !== alarm)) expect(other.Properties.TreatMissingData).toBe('notBreaching');
  });

  it('notifies the one alarm topic on alarm and on recovery', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', /Alarms/);
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('lets CloudWatch alarms of this account publish to the TLS-only alarm topic', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', /Alarms/);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it('shows the same signals on one dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const metric of ['5xx', 'Latency', CUSTOM_METRICS.rateLimited, 'ReadThrottleEvents', CUSTOM_METRICS.ingestFailures, 'Errors']) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(body).toContain('alarm');
  });

  it('sets a retention on every log group and gives every function one', () => {
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    for (const lg of logGroups) expect(lg.Properties.RetentionInDays).toBe(90);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const fn of functions) expect(fn.Properties.LoggingConfig?.LogGroup).toEqual({ Ref: expect.any(String) });
  });
});

describe('alarm email', () => {
  it('subscribes the configured address to the alarm topic', () => {
    const { template } = synth({ stage: 'dev', alarmEmail: 'oncall@example.org' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org' });
  });
});
