import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { tableSchema } from '../../lambdas/store/schema';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ATTEMPT_INSERTS, handler as itemStatsHandler, ITEM_STATS_STREAM } from '../../lambdas/events/item-stats';
import { FSRS_OPTIMIZER_STREAM, handler as fsrsOptimizerHandler, REVIEW_LOG_INSERTS } from '../../lambdas/events/fsrs-optimizer';

/**
 * The table's stream, locally: reads DynamoDB Local's stream and calls each consumer's handler with
 * Lambda-shaped batches, as an event source mapping would: only records that match the consumer's
 * filter, in shard order, retried from the sequence number the handler reports as failed.
 */

/** A Lambda event filter pattern (the subset Rungs uses: nested objects, lists of values, prefix, exists). */
export type FilterPattern = { readonly [field: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | number | boolean | null | { readonly prefix: string } | { readonly exists: boolean };

export interface StreamConsumer {
  name: string;
  filter: FilterPattern;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  batchSize?: number;
  /** Retries of a failing batch before its records are dropped (Lambda would send them to the on-failure destination). */
  retryAttempts?: number;
}

export interface StreamPoller {
  /** Delivers everything written so far to every consumer and resolves when they have handled it. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** The consumers of the table's stream, as the stack wires them (lib/constructs/item-statistics.ts, optimizer.ts). */
export const tableStreamConsumers: readonly StreamConsumer[] = [
  { name: 'itemStatistics', filter: ATTEMPT_INSERTS, handler: itemStatsHandler, batchSize: ITEM_STATS_STREAM.batchSize, retryAttempts: ITEM_STATS_STREAM.retryAttempts },
  { name: 'fsrsOptimizer', filter: REVIEW_LOG_INSERTS, handler: fsrsOptimizerHandler, batchSize: FSRS_OPTIMIZER_STREAM.batchSize, retryAttempts: FSRS_OPTIMIZER_STREAM.retryAttempts },
];

/** Whether a record matches a filter pattern (Lambda's rules: every field of the pattern must match). */
export function matchesFilter(pattern: FilterPattern, value: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const actual = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
    if (!Array.isArray(rule)) return matchesFilter(rule as FilterPattern, actual);
    return (rule as readonly FilterValue[]).some((expected) => {
      if (expected !== null && typeof expected === 'object') {
        if ('exists' in expected) return (actual !== undefined) === expected.exists;
        return typeof actual === 'string' && actual.startsWith(expected.prefix);
      }
      return actual === expected;
    });
  });
}

/** A streams record as Lambda delivers it (creation time in epoch seconds). */
function lambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...dynamodb } = record.dynamodb ?? {};
  return {
    ...(record as DynamoDBRecord),
    eventSource: 'aws:dynamodb',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as DynamoDBRecord['dynamodb']),
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}),
    },
  };
}

export async function startStreamPoller(options: {
  endpoint: string;
  tableName: string;
  consumers: readonly StreamConsumer[];
  intervalMs?: number;
  log?: (line: string) => void;
}): Promise<StreamPoller> {
  const clientConfig = { endpoint: options.endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const log = options.log ?? (() => {});
  let { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  if (!Table?.StreamSpecification?.StreamEnabled) {
    // A table kept from before the stream existed (RUNGS_DATA): turn the stream on.
    await dynamo.send(new UpdateTableCommand({ TableName: options.tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: tableSchema.streamViewType } }));
    ({ Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName })));
  }
  dynamo.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream: create it from the shared schema`);

  // Each consumer keeps its own position per shard, as each event source mapping does.
  const positions = options.consumers.map(() => new Map<string, { after?: string; retries: number }>());

  async function readShard(shardId: string, after: string | undefined): Promise<_Record[]> {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    const records: _Record[] = [];
    let iterator = ShardIterator;
    // Read to the shard's current end: a page with no records means nothing more is there yet.
    for (let page = 0; iterator && page < 1000; page += 1) {
      const result = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      records.push(...(result.Records ?? []));
      if (!result.Records?.length) break;
      iterator = result.NextShardIterator;
    }
    return records;
  }

  async function deliver(index: number, shardId: string) {
    const consumer = options.consumers[index]!;
    const position = positions[index]!.get(shardId) ?? { retries: 0 };
    const records = await readShard(shardId, position.after);
    const batchSize = consumer.batchSize ?? 100;
    for (let start = 0; start < records.length; ) {
      const chunk = records.slice(start, start + batchSize);
      const lastOfChunk = chunk.at(-1)!.dynamodb?.SequenceNumber;
      const matching = chunk.map((r) => lambdaRecord(r, streamArn!)).filter((r) => matchesFilter(consumer.filter, r));
      let failedAt: string | undefined;
      if (matching.length > 0) {
        try {
          failedAt = (await consumer.handler({ Records: matching }))?.batchItemFailures?.[0]?.itemIdentifier;
        } catch (error) {
          failedAt = matching[0]!.dynamodb?.SequenceNumber;
          log(`${consumer.name}: batch failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (failedAt !== undefined && position.retries < (consumer.retryAttempts ?? 3)) {
        // Retry from the failed record: everything before it is done.
        position.retries += 1;
        const at = chunk.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
        start += Math.max(0, at);
        continue;
      }
      if (failedAt !== undefined) log(`${consumer.name}: dropped a batch after ${position.retries} retries (Lambda would send it to the on-failure destination)`);
      position.retries = 0;
      position.after = lastOfChunk;
      start += chunk.length;
    }
    positions[index]!.set(shardId, position);
  }

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    running = running.then(async () => {
      if (stopped) return;
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      for (const shard of StreamDescription?.Shards ?? []) {
        for (let index = 0; index < options.consumers.length; index += 1) await deliver(index, shard.ShardId!);
      }
    });
    running = running.catch((error) => log(`streams: ${error instanceof Error ? error.message : String(error)}`));
    return running;
  };
  const timer = setInterval(() => void pass(), options.intervalMs ?? 500);
  timer.unref();
  return {
    drain: () => pass(),
    async stop() {
      clearInterval(timer);
      await running;
      stopped = true;
      streams.destroy();
    },
  };
}
