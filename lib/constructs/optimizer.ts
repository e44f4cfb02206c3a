import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './dead-letter-alarm';
import { FSRS_OPTIMIZER_STREAM, FSRS_OPTIMIZER_TIMEOUT_SECONDS, REVIEW_LOG_INSERTS } from '../../lambdas/events/fsrs-optimizer';
import type { StageConfig } from '../config';
import { acknowledge } from '../nag';
import { RungsFunction, type RungsFunctionProps } from './rungs-function';

/** The FSRS binding's packages: kept out of the esbuild bundle (a native addon cannot be bundled). */
export const FSRS_BINDING_MODULES = ['@open-spaced-repetition/binding'] as const;

/**
 * npm settings for installing the binding into the bundle, whatever machine synthesizes: linux x64
 * with glibc, so npm picks the binding's linux-x64-gnu package among its optional dependencies.
 * This one function runs on x86_64, unlike every other (ARM64): FSRS-rs 0.5.0 publishes no
 * linux-arm64 (nor WASI) build, only 0.1.2 does, so on ARM64 the binding would not load.
 */
export const LAMBDA_PLATFORM_NPM = { npm_config_os: 'linux', npm_config_cpu: 'x64', npm_config_libc: 'glibc' } as const;

export interface FsrsOptimizerProps {
  config: StageConfig;
  /** The single table: the job reads review logs and writes the settings item in it. */
  table: ITable;
  /** The table's stream (NEW_IMAGE or NEW_AND_OLD_IMAGES). */
  streamArn: string;
  /** Overrides of the function's props. */
  functionProps?: Partial<Omit<RungsFunctionProps, 'entry'>>;
}

/**
 * Per-learner FSRS parameters: a function on the table's stream, filtered to inserted review logs,
 * that refits a learner's parameters once they have enough reviews (lambdas/events/fsrs-optimizer.ts).
 * Batches that keep failing go to a dead-letter queue with an alarm; a lost fit only delays the
 * next one (the next batch of the learner's reviews triggers it again).
 */
export class FsrsOptimizer extends Construct {
  readonly optimizerFunction: RungsFunction;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  readonly eventSourceMapping: EventSourceMapping;

  constructor(scope: Construct, id: string, props: FsrsOptimizerProps) {
    super(scope, id);
    const { config, table, streamArn } = props;

    this.optimizerFunction = new RungsFunction(this, 'Function', {
      entry: 'lambdas/events/fsrs-optimizer.ts',
      description: 'Fits per-learner FSRS parameters from their review logs',
      timeout: Duration.seconds(FSRS_OPTIMIZER_TIMEOUT_SECONDS),
      // FSRS-rs trains on every core it gets; Lambda gives a second vCPU from 1,769 MB.
      memorySize: 1769,
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      environment: { TABLE_NAME: table.tableName, RUNGS_STAGE: config.stage },
      noDeadLetterQueueBecause: 'It is invoked by a stream event source mapping, whose failed batches go to the on-failure queue of that mapping.',
      architecture: Architecture.X86_64,
      bundling: { nodeModules: [...FSRS_BINDING_MODULES], environment: { ...LAMBDA_PLATFORM_NPM } },
      ...props.functionProps,
    });

    // Exactly what the job does: count and query review logs, read and update the settings item.
    // Learner partitions only (USER#…), never a scan.
    this.optimizerFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      }),
    );
    this.optimizerFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [streamArn] }),
    );
    this.optimizerFunction.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));

    this.deadLetterQueue = new Queue(this, 'DeadLetters', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    this.eventSourceMapping = new EventSourceMapping(this, 'ReviewLogInserts', {
      target: this.optimizerFunction,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.LATEST,
      batchSize: FSRS_OPTIMIZER_STREAM.batchSize,
      maxBatchingWindow: Duration.seconds(FSRS_OPTIMIZER_STREAM.maxBatchingWindowSeconds),
      retryAttempts: FSRS_OPTIMIZER_STREAM.retryAttempts,
      maxRecordAge: Duration.hours(FSRS_OPTIMIZER_STREAM.maxRecordAgeHours),
      reportBatchItemFailures: true,
      filters: [FilterCriteria.filter(REVIEW_LOG_INSERTS as unknown as Record<string, unknown>)],
      onFailure: new SqsDlq(this.deadLetterQueue),
    });

    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLettersAlarm', this.deadLetterQueue, 'A batch of review logs was not processed by the FSRS optimizer after its retries: see its logs');
    acknowledge(this.deadLetterQueue, {
      'AwsSolutions-SQS3': 'This is the stream\'s on-failure destination, itself the dead-letter queue: each message names review-log records that failed every retry; it alarms, and a lost fit is only delayed (the learner\'s next reviews trigger it again).',
      'Serverless-SQSRedrivePolicy': 'This is the on-failure destination itself: each message names review-log records that failed every retry; it alarms, and nothing needs redriving (the next reviews trigger a new fit).',
    });
  }
}
