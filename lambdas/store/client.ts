import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface StoreConfig {
  tableName: string;
  /** Only set locally (DynamoDB Local); in AWS the SDK finds the regional endpoint. */
  endpoint?: string;
}

export interface Store {
  tableName: string;
  doc: DynamoDBDocumentClient;
}

/** Reads the store configuration from the environment, refusing to start without a table name. */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set: the store cannot start without its table');
  return { tableName, ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}) };
}

/** Client settings for a store: the regional endpoint in AWS, or DynamoDB Local when an endpoint is set. */
export function dynamoClientConfig(config: StoreConfig): DynamoDBClientConfig {
  return config.endpoint
    ? {
        endpoint: config.endpoint,
        region: process.env.AWS_REGION ?? 'local',
        // DynamoDB Local accepts any credentials; fixed ones keep the local platform account-free.
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {};
}

export function createStore(config: StoreConfig): Store {
  const client = new DynamoDBClient(dynamoClientConfig(config));
  return {
    tableName: config.tableName,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  };
}

let shared: Store | undefined;

/** One store per Lambda instance (or local process), created on first use. */
export function defaultStore(): Store {
  shared ??= createStore(storeConfigFromEnv());
  return shared;
}

/**
 * Whether a write was refused by its condition: a single write's ConditionalCheckFailedException, or
 * a transaction cancelled because one of its items' conditions failed.
 */
export function isConditionalFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException') return true;
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons ? reasons.some((reason) => reason.Code === 'ConditionalCheckFailed') : /ConditionalCheckFailed/.test(error.message);
}

/**
 * Whether DynamoDB refused a write because another in-flight transaction held one of its items
 * (TransactionConflict): nothing was written, and the same write may simply be tried again.
 */
export function isTransactionConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TransactionConflictException') return true;
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons ? reasons.some((reason) => reason.Code === 'TransactionConflict') : /TransactionConflict/.test(error.message);
}
