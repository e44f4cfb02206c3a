import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClientConfig, storeConfigFromEnv, type StoreConfig } from '../store/client';

/**
 * The rate limiter's view of the table: a low-level client (the limiter writes numbers only, so it
 * skips the document client's marshalling) with a short timeout and one attempt, because a limiter
 * that waits seconds for DynamoDB is worse than its failure policy.
 *
 * The bound covers the WHOLE call: the SDK's `requestTimeout` stops counting once the response
 * headers arrive, so a body that trickles in afterwards could hold a decision for seconds. Every
 * `send` therefore also carries `abortSignal: callDeadline(store)`, which aborts the request, body
 * included, `timeoutMs` after it started.
 */
export interface LimiterStore {
  tableName: string;
  client: DynamoDBClient;
  /** Upper bound of one whole store call (connect, headers and body), in ms. */
  timeoutMs: number;
}

/** The abort signal every limiter `send` carries: it fires `timeoutMs` after the call starts. */
export const callDeadline = (store: LimiterStore): AbortSignal => AbortSignal.timeout(store.timeoutMs);

export interface LimiterClientOptions {
  /** For connecting, for the headers, and for the whole call (abort signal). */
  timeoutMs?: number;
  /** Attempts in total, the first included. */
  maxAttempts?: number;
}

export const LIMITER_TIMEOUT_MS = 150;

export function createLimiterStore(config: StoreConfig, options: LimiterClientOptions = {}): LimiterStore {
  const timeoutMs = options.timeoutMs ?? LIMITER_TIMEOUT_MS;
  const client = new DynamoDBClient({
    ...dynamoClientConfig(config),
    // One attempt: a resent conditional update that had in fact been applied would charge twice;
    // the route's failure policy already decides what a store error means.
    maxAttempts: options.maxAttempts ?? 1,
    // Without throwOnRequestTimeout the SDK only logs a slow request and keeps waiting for it.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
  return { tableName: config.tableName, client, timeoutMs };
}

let shared: LimiterStore | undefined;

/**
 * One limiter store per Lambda instance, on the same table as `defaultStore()`. The stack never sets
 * RATE_LIMIT_STORE_TIMEOUT_MS (150 ms applies); the API integration tests raise it, because
 * DynamoDB Local on a busy two-core machine can take longer than a real table ever should.
 */
export function defaultLimiterStore(env: NodeJS.ProcessEnv = process.env): LimiterStore {
  const timeoutMs = Number(env.RATE_LIMIT_STORE_TIMEOUT_MS) || undefined;
  shared ??= createLimiterStore(storeConfigFromEnv(env), timeoutMs ? { timeoutMs } : {});
  return shared;
}
