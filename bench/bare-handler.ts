import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The cold-start floor the API bundles are compared with (bench/bundles.ts): a handler that only
 * builds a DynamoDB document client, bundled by the same RungsFunction settings as every function.
 */
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => ({ statusCode: 200, body: doc.constructor.name });
