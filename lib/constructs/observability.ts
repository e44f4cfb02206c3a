import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
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
  type AlarmProps,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { INGEST_METRICS, METRICS_NAMESPACE } from '../../lambdas/monitoring/metrics-contract';
import { RATE_LIMIT_METRICS } from '../../lambdas/ratelimit/metric-names';
import { HEALTH_CANARY } from '../../lambdas/monitoring/contract';
import type { StageConfig } from '../config';
import { acknowledge } from '../nag';
import { RungsFunction } from './rungs-function';

/**
 * The custom metrics contract. Functions publish with Powertools Metrics (EMF) in namespace
 * `Rungs`, with the single dimension `service` = POWERTOOLS_SERVICE_NAME, which the stack sets per
 * stage (`metricsEnvironment`). Alarms match on exactly that dimension set.
 */
export { METRICS_NAMESPACE };
export const CUSTOM_METRICS = {
  /** Count of API requests the per-user limiter answered with 429. */
  rateLimited: RATE_LIMIT_METRICS.limited,
  /** Count of API requests the per-user limiter let through. */
  rateAllowed: RATE_LIMIT_METRICS.allowed,
  /** Count of uploaded files the ingest could not parse or store (the rest of a batch goes on). */
  ingestFailures: INGEST_METRICS.failures,
} as const;

export type MetricsService = 'api' | 'ingest' | 'canary';

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
  /** Further functions whose errors and throttles alarm (rotation, aggregators). */
  otherFunctions?: IFunction[];
  /** The distribution in front of site and API: its 5xx rate alarms, and the canary calls through it. */
  distribution: IDistribution;
  /** `https://…` origin of the site, where the health canary calls `/api/health`. */
  siteUrl: string;
  /** Alarm thresholds; defaults suit a small production stage. */
  thresholds?: Partial<typeof DEFAULT_THRESHOLDS>;
}

const DEFAULT_THRESHOLDS = {
  /** Percent of API requests answered 5xx over five minutes (counted only above `minRequests`). */
  api5xxPercent: 2,
  /** Percent of CloudFront requests answered 5xx over five minutes (counted only above `minRequests`). */
  edge5xxPercent: 5,
  /** p99 latency of the API in milliseconds over five minutes. */
  apiP99Ms: 2000,
  /** Percent of rate-limited requests over five minutes (counted only above `minRequests`). */
  rateLimitedPercent: 20,
  /** Below this many requests in five minutes a share means nothing; the canary covers quiet hours. */
  minRequests: 50,
  /** Failed health checks (one a minute) out of the last five that raise the alarm. */
  canaryFailures: 3,
};

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on the signals that mean learners are hurting (API and edge errors, latency, rate limiting,
 * table throttles, failed ingests, crashing or throttled functions, and a health canary that calls the
 * site every minute) → one SNS topic with an optional email subscriber, and one dashboard. Missing
 * data is "not breaching" only where silence means no traffic; the canary's missing data breaches,
 * so an outage that stops every other metric still raises an alarm.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  readonly canary: RungsFunction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, httpApi, table } = props;
    const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };

    this.topic = new Topic(this, 'Alarms', { displayName: `Rungs alarms (${config.stage})`, enforceSSL: true });
    acknowledge(this.topic, {
      'AwsSolutions-SNS2': 'Alarm notifications carry only alarm names and metric values; CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer key costs more than the data is worth.',
      'NIST.800.53.R5-SNSEncryptedKMS': 'Alarm notifications carry only alarm names and metric values; CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer key costs more than the data is worth.',
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
    if (config.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(config.alarmEmail));
      acknowledge(subscription, {
        'Serverless-SNSRedrivePolicy': 'A notification email that still fails after SNS\'s retries would wait in a queue nobody reads; the alarm state stays on the dashboard, and alarm delivery is checked on the first deploy (docs/deploy.md checklist).',
      });
    }

    const requests = httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrors = httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const api5xxRate = new MathExpression({
      expression: `IF(requests >= ${t.minRequests}, 100 * errors / requests, 0)`,
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

    this.alarm('Api5xxRate', api5xxRate, t.api5xxPercent, `More than ${t.api5xxPercent} % of API requests failed with 5xx (above ${t.minRequests} requests)`, 2);
    this.alarm('ApiLatencyP99', apiP99, t.apiP99Ms, 'API p99 latency is above its budget', 3);
    this.alarm('RateLimitedShare', limitedShare, t.rateLimitedPercent, 'An unusual share of API requests is being rate limited', 2);
    this.alarm('DynamoDbThrottles', throttles, 1, 'The table throttled requests', 1);
    this.alarm('IngestFailures', ingestFailures, 1, 'Uploaded content failed to ingest', 1);

    // Health canary: through CloudFront, every minute, as a learner would call.
    const canary = new RungsFunction(this, 'HealthCanary', {
      entry: 'lambdas/monitoring/health-canary.ts',
      description: 'Calls /api/health through CloudFront every minute',
      timeout: Duration.seconds(HEALTH_CANARY.timeoutMs / 1000 + 5),
      memorySize: 256,
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      environment: { [HEALTH_CANARY.siteUrlEnv]: props.siteUrl, ...metricsEnvironment('canary', config.stage) },
      noDeadLetterQueueBecause: 'A canary run that fails or is lost publishes no datapoint, and the HealthCheck alarm treats missing data as breaching: the alarm is the dead-letter path.',
    });
    this.canary = canary;
    const schedule = new Rule(this, 'HealthCanarySchedule', {
      description: 'Runs the health canary every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      // No retry: a late health check measures nothing; the next one is a minute away.
      targets: [new LambdaFunction(canary, { retryAttempts: 0 })],
    });
    acknowledge(schedule, {
      'Serverless-EventBusDLQ': 'An undelivered canary run shows as missing data, which the HealthCheck alarm treats as breaching; a queue of missed schedule ticks would hold nothing to act on.',
    });
    const healthPassed = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: HEALTH_CANARY.metric,
      dimensionsMap: { service: serviceName('canary', config.stage) },
      statistic: 'Sum',
      period: Duration.minutes(1),
      label: 'Health checks passed',
    });
    this.alarm('HealthCheck', healthPassed, 1, `The site's /api/health failed ${t.canaryFailures} of the last 5 minutes, or the canary stopped reporting`, 5, {
      datapointsToAlarm: t.canaryFailures,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });

    // CloudFront publishes its metrics only in us-east-1 (Region=Global): an alarm elsewhere never sees them.
    const edgeMetric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/CloudFront',
        metricName,
        dimensionsMap: { DistributionId: props.distribution.distributionId, Region: 'Global' },
        statistic,
        period: FIVE_MINUTES,
      });
    const edgeRequests = edgeMetric('Requests', 'Sum');
    const edgeErrorRate = edgeMetric('5xxErrorRate', 'Average');
    const edge5xx = new MathExpression({
      expression: `IF(requests >= ${t.minRequests}, rate, 0)`,
      usingMetrics: { requests: edgeRequests, rate: edgeErrorRate },
      label: 'CloudFront 5xx (%)',
      period: FIVE_MINUTES,
    });
    if (Token.isUnresolved(region) || region === 'us-east-1') {
      this.alarm('Edge5xxRate', edge5xx, t.edge5xxPercent, `More than ${t.edge5xxPercent} % of CloudFront requests failed with 5xx (above ${t.minRequests} requests)`, 2);
    } else {
      Annotations.of(this).addWarningV2(
        'rungs:edge-alarm-region',
        `CloudFront metrics exist only in us-east-1, so no CloudFront 5xx alarm is created in ${region}; the health canary still calls through CloudFront.`,
      );
    }

    // Handlers render expected failures as problem responses, so any invocation error is a crash; a
    // throttle means the account's concurrency ran out, and learners got 429/503 from API Gateway.
    const functions = [...props.apiFunctions, props.ingestFunction, canary, ...(props.otherFunctions ?? [])];
    const functionErrors = functions.map((fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }));
    for (const [index, fn] of functions.entries()) {
      const failures = new MathExpression({
        expression: 'errors + throttles',
        usingMetrics: { errors: functionErrors[index]!, throttles: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }) },
        label: `${fn.node.id} errors and throttles`,
        period: FIVE_MINUTES,
      });
      this.alarm(`${fn.node.id}Errors`, failures, 1, `${fn.node.path} failed with an unhandled error or was throttled`, 1);
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
        [graph('Health canary', [healthPassed]), graph('CloudFront', [edgeRequests], [edgeErrorRate])],
      ],
    });
  }

  private alarm(
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    periods: number,
    overrides: Partial<Pick<AlarmProps, 'datapointsToAlarm' | 'comparisonOperator' | 'treatMissingData'>> = {},
  ): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Silence here means no traffic, not an outage: the canary's alarm is the one that breaches on silence.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
      ...overrides,
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
