import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClientConfig, storeConfigFromEnv, type StoreConfig } from './client';

/**
 * The rate limiter's view of the table: a low-level client (the limiter writes numbers only, so it
 * skips the document client's marshalling) with a short timeout and one retry at most, because a
 * limiter that waits seconds for DynamoDB is worse than its failure policy.
 */
export interface LimiterStore {
  tableName: string;
  client: DynamoDBClient;
}

export interface LimiterClientOptions {
  /** Per attempt, for both connecting and the whole request. */
  timeoutMs?: number;
  /** Attempts in total, the first included. */
  maxAttempts?: number;
}

export const LIMITER_TIMEOUT_MS = 150;

export function createLimiterStore(config: StoreConfig, options: LimiterClientOptions = {}): LimiterStore {
  // RATE_LIMIT_TIMEOUT_MS: for tests on a loaded machine, where DynamoDB Local can take longer.
  const timeoutMs = options.timeoutMs ?? (Number(process.env.RATE_LIMIT_TIMEOUT_MS) || LIMITER_TIMEOUT_MS);
  const client = new DynamoDBClient({
    ...dynamoClientConfig(config),
    // One attempt: a resent conditional update that had in fact been applied would charge twice;
    // the route's failure policy already decides what a store error means.
    maxAttempts: options.maxAttempts ?? 1,
    // Without throwOnRequestTimeout the SDK only logs a slow request and keeps waiting for it.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
  return { tableName: config.tableName, client };
}

let shared: LimiterStore | undefined;

/** One limiter store per Lambda instance, on the same table as `defaultStore()`. */
export function defaultLimiterStore(): LimiterStore {
  shared ??= createLimiterStore(storeConfigFromEnv());
  return shared;
}
