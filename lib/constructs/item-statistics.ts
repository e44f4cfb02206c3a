import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './dead-letter-alarm';
import { ATTEMPT_INSERTS, ITEM_STATS_STREAM } from '../../lambdas/events/item-stats';
import { statisticsPartitionPrefix } from '../../lambdas/store/keys';
import type { StageConfig } from '../config';
import { acknowledge } from '../nag';
import { RungsFunction } from './rungs-function';

export interface ItemStatisticsProps {
  config: StageConfig;
  /** The table, with its stream on (DataTable turns it on from the shared schema). */
  table: TableV2;
}

/**
 * Item statistics off the learner's write path: the table's stream feeds the aggregator, filtered
 * to inserted attempts, in batches with partial-failure reporting; records that still fail after the
 * retries are described in a dead-letter queue, which alarms.
 */
export class ItemStatistics extends Construct {
  readonly aggregator: RungsFunction;
  readonly deadLetterQueue: Queue;
  /** Any record in the dead-letter queue: attempts that are not in the statistics. */
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ItemStatisticsProps) {
    super(scope, id);
    const { config, table } = props;

    this.aggregator = new RungsFunction(this, 'Aggregator', {
      entry: 'lambdas/events/item-stats.ts',
      description: 'Counts new attempts into their items\' answer statistics',
      timeout: Duration.seconds(60),
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      environment: { TABLE_NAME: table.tableName, RUNGS_STAGE: config.stage },
    });
    // Writes its markers and counters in the statistics partitions only (transactions are authorized
    // per action); never a learner's partition, never the answer keys under LESSON#.
    this.aggregator.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${statisticsPartitionPrefix}*`] },
          // ForAllValues also holds for a request with no leading key at all: require one.
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.aggregator.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: ITEM_STATS_STREAM.batchSize,
        maxBatchingWindow: Duration.seconds(ITEM_STATS_STREAM.maxBatchingWindowSeconds),
        retryAttempts: ITEM_STATS_STREAM.retryAttempts,
        maxRecordAge: Duration.hours(ITEM_STATS_STREAM.maxRecordAgeHours),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        filters: [FilterCriteria.filter(ATTEMPT_INSERTS as unknown as Record<string, unknown>)],
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLettersAlarm', this.deadLetterQueue, 'Attempts were not counted into item statistics after every retry: see the aggregator logs, then replay the records the dead-letter messages describe (docs/architecture.md)');

    const endOfLine = 'This is the stream\'s on-failure destination, itself the dead-letter queue: each message describes stream records that failed every retry; it alarms, and the records are replayed by hand after a fix (docs/architecture.md, "Item statistics").';
    acknowledge(this.deadLetterQueue, {
      'AwsSolutions-SQS3': endOfLine,
      'Serverless-SQSRedrivePolicy': 'This is the on-failure destination itself: each message describes stream records that failed every retry; it alarms, and the records are replayed by hand after a fix.',
    });
    const asyncReason = 'Invoked only by its DynamoDB stream event source mapping, synchronously; records that fail every retry go to the mapping\'s on-failure destination (DeadLetters, alarmed). There is no asynchronous invocation to keep.';
    acknowledge(this.aggregator, {
      'NIST.800.53.R5-LambdaDLQ': asyncReason,
      'Serverless-LambdaDLQ': asyncReason,
      'AwsSolutions-IAM5[Resource::*]': 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, and dynamodb:ListStreams (granted by the stream event source) has none either.',
    });
  }
}
