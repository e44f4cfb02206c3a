import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../bin/local/dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** One DynamoDB Local for the whole run, on a free port; a missing Java fails the run loudly. */
export default async function setup(project: TestProject) {
  // A generous start-up wait: on a shared, loaded machine the JVM alone can take longer than 30 s.
  const dynamo = await startDynamoDbLocal({ timeoutMs: 120_000 });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
