import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../bin/local/dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** One DynamoDB Local for the whole run, on a free port; a missing Java fails the run loudly. */
export default async function setup(project: TestProject) {
  // A busy machine can take well over the interactive default to start Java.
  const dynamo = await startDynamoDbLocal({ timeoutMs: 120_000 });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
