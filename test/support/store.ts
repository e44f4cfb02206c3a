import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createLocalTable } from '../../bin/local/dynamodb';
import { createStore, type Store } from '../../lambdas/store/client';

/** A fresh table in the run's DynamoDB Local, so tests never see each other's data. */
export async function freshStore(): Promise<Store & { endpoint: string }> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `test-${randomUUID()}`;
  await createLocalTable(endpoint, tableName);
  return { ...createStore({ tableName, endpoint }), endpoint };
}

/** Points the handlers' environment-based configuration at a store, as Lambda's environment would. */
export function useStoreEnv(store: { tableName: string; endpoint: string }) {
  process.env.TABLE_NAME = store.tableName;
  process.env.DYNAMODB_ENDPOINT = store.endpoint;
  process.env.AWS_REGION ??= 'local';
}
