import { DynamoDB, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RateLimiterDynamo, RateLimiterRes } from 'rate-limiter-flexible';
import { createLocalTable, startDynamoDbLocal } from '../bin/local/dynamodb';
import { DynamoLimiter } from '../lambdas/ratelimit/limiter';
import { compilePolicies } from '../lambdas/ratelimit/policy';
import { createLimiterStore } from '../lambdas/ratelimit/store';
import { median } from './table';

/**
 * This limiter against rate-limiter-flexible's RateLimiterDynamo, side by side on one DynamoDB Local:
 * the same keys, limits, number of instances (each with its own in-memory state, as separate Lambda
 * instances would have) and concurrency. DynamoDB calls are counted by an SDK middleware on each
 * library's client. rate-limiter-flexible gets its own in-memory block (inMemoryBlockOnConsumed), the
 * equivalent of this limiter's blocked-key cache.
 */
export interface LimiterMeasurement {
  limiter: string;
  /** Median over the rounds. */
  decisionsPerSecond: number;
  /** Each round's decisions per second, in round order. */
  roundsPerSecond: number[];
  callsPerAdmitted: number;
  callsPerFirstRejection: number;
  callsPerRepeatRejection: number;
  overAdmitted: number;
  concurrent: number;
}

type Consume = (instance: number, key: string) => Promise<boolean>;

interface Candidate {
  name: string;
  commands: { count: number };
  /** A fresh set of instances for one scenario. */
  instances: (count: number) => Consume;
}

export const scenario = {
  keys: 16,
  limit: 25,
  periodSeconds: 600,
  instances: 4,
  concurrentBurst: 300,
  burstLimit: 100,
  /** Measured rounds; each runs both libraries, alternating which goes first. */
  rounds: Math.max(5, Number(process.env.BENCH_LIMITER_ROUNDS ?? 5)),
};

/** The throughput ratio per round (ours / theirs), with its median and range over the rounds. */
export interface RatioSummary {
  perRound: number[];
  median: number;
  min: number;
  max: number;
}

export function ratioSummary(ours: LimiterMeasurement, theirs: LimiterMeasurement): RatioSummary {
  const perRound = ours.roundsPerSecond.map((v, i) => v / theirs.roundsPerSecond[i]!);
  return { perRound, median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) };
}

function countCommands(client: DynamoDBClient): { count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add((next) => async (args) => {
    counter.count++;
    return next(args);
  }, { step: 'initialize', name: 'benchCountCommands' });
  return counter;
}

async function ours(endpoint: string, limit: number): Promise<Candidate> {
  const tableName = `bench-gcra-${limit}-${Date.now()}`;
  await createLocalTable(endpoint, tableName);
  // DynamoDB Local is far slower than DynamoDB under a burst of concurrent writes; the production
  // 150 ms timeout would measure the emulator's queue, not the limiter.
  const store = createLimiterStore({ tableName, endpoint }, { timeoutMs: 60_000 });
  const policies = compilePolicies([{ name: 'burst', limit, periodSeconds: scenario.periodSeconds }]);
  return {
    name: 'Rungs GCRA (DynamoLimiter)',
    commands: countCommands(store.client),
    instances: (count) => {
      const limiters = Array.from({ length: count }, () => new DynamoLimiter({ store }));
      return async (i, key) => (await limiters[i]!.check({ subject: key, policySet: 'bench', policies, weight: 1 })).allowed;
    },
  };
}

async function flexible(endpoint: string, limit: number): Promise<Candidate> {
  const client = new DynamoDB({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const tableName = `bench-rlf-${limit}-${Date.now()}`;
  const options = { storeClient: client, tableName, points: limit, duration: scenario.periodSeconds, inMemoryBlockOnConsumed: limit };
  // The first instance creates the table (and its TTL); the others are told it exists.
  await new Promise<void>((resolve, reject) => new RateLimiterDynamo(options, (error?: unknown) => (error ? reject(error) : resolve())));
  return {
    name: 'rate-limiter-flexible (RateLimiterDynamo)',
    commands: countCommands(client),
    instances: (count) => {
      const limiters = Array.from({ length: count }, () => new RateLimiterDynamo({ ...options, tableCreated: true, ttlSet: true } as never));
      return (i, key) =>
        limiters[i]!.consume(key).then(
          () => true,
          (error: unknown) => {
            if (error instanceof RateLimiterRes) return false;
            throw error;
          },
        );
    },
  };
}

/** Each key's requests go one after another, round-robin over the instances; keys run in parallel. */
async function perKeySequences(consume: Consume, keys: string[], perKey: number): Promise<number> {
  let admitted = 0;
  await Promise.all(
    keys.map(async (key, k) => {
      for (let j = 0; j < perKey; j++) if (await consume((k + j) % scenario.instances, key)) admitted++;
    }),
  );
  return admitted;
}

interface SequenceRun {
  decisions: number;
  ms: number;
  spend: { admitted: number; calls: number };
  first: { decisions: number; calls: number };
  repeat: { decisions: number; calls: number };
}

/**
 * 1. every key spends exactly its quota; 2. every key asks as much again (each instance meets the
 * block for the first time); 3. and again (every instance has seen every key blocked).
 */
async function runSequences(candidate: Candidate, run: string, keyCount: number): Promise<SequenceRun> {
  const consume = candidate.instances(scenario.instances);
  const keys = Array.from({ length: keyCount }, (_, k) => `user:${run}-${k}`);
  const phase = async () => {
    const before = candidate.commands.count;
    const started = performance.now();
    const admitted = await perKeySequences(consume, keys, scenario.limit);
    return { admitted, decisions: keys.length * scenario.limit, calls: candidate.commands.count - before, ms: performance.now() - started };
  };
  const spend = await phase();
  const first = await phase();
  const repeat = await phase();
  if (spend.admitted !== spend.decisions || first.admitted + repeat.admitted !== 0) {
    throw new Error(`${candidate.name}: unexpected admissions ${spend.admitted}/${first.admitted}/${repeat.admitted}`);
  }
  return { decisions: spend.decisions + first.decisions + repeat.decisions, ms: spend.ms + first.ms + repeat.ms, spend, first, repeat };
}

/** Over-admission: one fresh key, fresh instances, every request at once. */
async function overAdmitted(candidate: Candidate, run: string): Promise<number> {
  const consume = candidate.instances(scenario.instances);
  const results = await Promise.all(Array.from({ length: scenario.concurrentBurst }, (_, i) => consume(i % scenario.instances, `user:${run}-burst`)));
  return results.filter(Boolean).length - scenario.burstLimit;
}

/**
 * Starts its own DynamoDB Local, measures both libraries, stops it. After a warm-up of each, every
 * round runs both, alternating which goes first (A B, B A, A B, …), so drift in the emulator's speed
 * (its JIT, the other processes on the machine) falls on both alike; the ratio is reported per
 * round, as its median and its range, so that a regression shows through the noise.
 */
export async function measureRateLimiters(): Promise<LimiterMeasurement[]> {
  const dynamo = await startDynamoDbLocal();
  try {
    const pairs = [
      { sequences: await ours(dynamo.endpoint, scenario.limit), burst: await ours(dynamo.endpoint, scenario.burstLimit), runs: [] as SequenceRun[] },
      { sequences: await flexible(dynamo.endpoint, scenario.limit), burst: await flexible(dynamo.endpoint, scenario.burstLimit), runs: [] as SequenceRun[] },
    ];
    // DynamoDB Local's JIT keeps speeding up for thousands of calls; warm both paths at full size first.
    for (const pair of pairs) await runSequences(pair.sequences, 'warmup', scenario.keys);
    for (let round = 0; round < scenario.rounds; round++) {
      const order = round % 2 === 0 ? [pairs[0]!, pairs[1]!] : [pairs[1]!, pairs[0]!];
      for (const pair of order) pair.runs.push(await runSequences(pair.sequences, `run${round}`, scenario.keys));
    }
    const measured: LimiterMeasurement[] = [];
    for (const pair of pairs) {
      const sum = (pick: (run: SequenceRun) => number) => pair.runs.reduce((total, run) => total + pick(run), 0);
      measured.push({
        limiter: pair.sequences.name,
        roundsPerSecond: pair.runs.map((run) => (run.decisions / run.ms) * 1000),
        decisionsPerSecond: Math.round(median(pair.runs.map((run) => (run.decisions / run.ms) * 1000))),
        callsPerAdmitted: sum((r) => r.spend.calls) / sum((r) => r.spend.admitted),
        callsPerFirstRejection: sum((r) => r.first.calls) / sum((r) => r.first.decisions),
        callsPerRepeatRejection: sum((r) => r.repeat.calls) / sum((r) => r.repeat.decisions),
        overAdmitted: await overAdmitted(pair.burst, 'burst'),
        concurrent: scenario.concurrentBurst,
      });
    }
    return measured;
  } finally {
    await dynamo.stop();
  }
}
