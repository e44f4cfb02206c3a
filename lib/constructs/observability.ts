import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { acknowledge } from '../nag';

/**
 * The custom metrics contract. Functions publish with Powertools Metrics (EMF) in namespace
 * `Rungs`, with the single dimension `service` = POWERTOOLS_SERVICE_NAME, which the stack sets per
 * stage (`metricsEnvironment`). Alarms match on exactly that dimension set.
 */
export const METRICS_NAMESPACE = 'Rungs';
export const CUSTOM_METRICS = {
  /** Count of API requests the per-user limiter answered with 429. */
  rateLimited: 'RateLimitLimited',
  /** Count of API requests the per-user limiter let through. */
  rateAllowed: 'RateLimitAllowed',
  /** Count of uploaded files the ingest could not parse or store (the rest of a batch goes on). */
  ingestFailures: 'IngestFailures',
} as const;

export type MetricsService = 'api' | 'ingest';

/** POWERTOOLS_SERVICE_NAME per stage, so two stages in one account never share a metric. */
export function serviceName(service: MetricsService, stage: StageConfig['stage']): string {
  return `rungs-${service}-${stage}`;
}

/** Environment that makes Powertools publish into the contract above. */
export function metricsEnvironment(service: MetricsService, stage: StageConfig['stage']): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: serviceName(service, stage), POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE };
}

export interface ObservabilityProps {
  config: StageConfig;
  httpApi: HttpApi;
  table: TableV2;
  apiFunctions: IFunction[];
  ingestFunction: IFunction;
  /** Alarm thresholds; defaults suit a small production stage. */
  thresholds?: Partial<typeof DEFAULT_THRESHOLDS>;
}

const DEFAULT_THRESHOLDS = {
  /** Percent of API requests answered 5xx over five minutes. */
  api5xxPercent: 2,
  /** p99 latency of the API in milliseconds over five minutes. */
  apiP99Ms: 2000,
  /** Percent of rate-limited requests over five minutes (counted only above `minRequests`). */
  rateLimitedPercent: 20,
  minRequests: 50,
};

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on the signals that mean learners are hurting (API errors and latency, rate limiting,
 * table throttles, failed ingests, crashing functions) → one SNS topic with an optional email
 * subscriber, and one dashboard showing the same metrics.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, httpApi, table } = props;
    const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };

    this.topic = new Topic(this, 'Alarms', { displayName: `Rungs alarms (${config.stage})`, enforceSSL: true });
    acknowledge(this.topic, {
      'AwsSolutions-SNS2': 'Alarm notifications carry only alarm names and metric values; CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer key costs more than the data is worth.',
    });
    // enforceSSL gives the topic a resource policy of its own, which replaces SNS's default policy: without
    // this Allow nothing may publish, and every alarm action fails silently. Only this account's alarms.
    const { account, region, partition } = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    if (config.alarmEmail) this.topic.addSubscription(new EmailSubscription(config.alarmEmail));

    const requests = httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrors = httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const api5xxRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: 'API 5xx (%)',
      period: FIVE_MINUTES,
    });
    const apiP99 = httpApi.metricLatency({ period: FIVE_MINUTES, statistic: 'p99', label: 'API latency p99 (ms)' });

    const custom = (metricName: string, service: MetricsService) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: serviceName(service, config.stage) },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    const limited = custom(CUSTOM_METRICS.rateLimited, 'api');
    const allowed = custom(CUSTOM_METRICS.rateAllowed, 'api');
    // A handful of 429s at night is not a spike: the share only counts above a minimum volume.
    const limitedShare = new MathExpression({
      expression: `IF(limited + allowed >= ${t.minRequests}, 100 * limited / (limited + allowed), 0)`,
      usingMetrics: { limited, allowed },
      label: 'Rate-limited share (%)',
      period: FIVE_MINUTES,
    });

    const throttles = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
        writes: table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
      },
      label: 'DynamoDB throttle events',
      period: FIVE_MINUTES,
    });
    const ingestFailures = custom(CUSTOM_METRICS.ingestFailures, 'ingest');

    this.alarm('Api5xxRate', api5xxRate, t.api5xxPercent, 'More than the allowed share of API requests failed with 5xx', 2);
    this.alarm('ApiLatencyP99', apiP99, t.apiP99Ms, 'API p99 latency is above its budget', 3);
    this.alarm('RateLimitedShare', limitedShare, t.rateLimitedPercent, 'An unusual share of API requests is being rate limited', 2);
    this.alarm('DynamoDbThrottles', throttles, 1, 'The table throttled requests', 1);
    this.alarm('IngestFailures', ingestFailures, 1, 'Uploaded content failed to ingest', 1);
    // Handlers render expected failures as problem responses, so any invocation error is a crash.
    const functions = [...props.apiFunctions, props.ingestFunction];
    const functionErrors = functions.map((fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }));
    for (const [index, fn] of functions.entries()) {
      this.alarm(`${fn.node.id}Errors`, functionErrors[index]!, 1, `${fn.node.path} failed with an unhandled error`, 1);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
        [
          graph('API requests and 5xx', [requests, serverErrors], [api5xxRate]),
          graph('API latency', [apiP99, httpApi.metricLatency({ period: FIVE_MINUTES, statistic: 'p50', label: 'p50 (ms)' })]),
        ],
        [graph('Rate limiting', [limited, allowed], [limitedShare]), graph('DynamoDB throttles', [throttles])],
        [
          graph('Ingest', [props.ingestFunction.metricInvocations({ period: FIVE_MINUTES }), ingestFailures]),
          graph('Function errors', functionErrors),
        ],
      ],
    });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, periods: number): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}

function graph(title: string, left: IMetric[], right: IMetric[] = []): GraphWidget {
  return new GraphWidget({ title, left, right, width: 12 });
}
