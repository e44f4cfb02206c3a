import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../bin/local/adapter';
import { useStoreEnv } from '../support/store';
import { inject } from 'vitest';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

describe('health when the table is missing', () => {
  it('answers 503 as problem+json with Retry-After, without internals', async () => {
    // Prepare: a table name that does not exist in DynamoDB Local
    useStoreEnv({ tableName: 'no-such-table', endpoint: inject('dynamoEndpoint') });
    const { handler } = (await import('../../lambdas/api/system')) as unknown as { handler: Handler };
    const event = { version: '2.0', routeKey: 'GET /api/health', rawPath: '/api/health', headers: {}, requestContext: { http: { method: 'GET', path: '/api/health' } } } as unknown as APIGatewayProxyEventV2;

    // Act
    const response = await handler(event, lambdaContext('system'));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json', 'Retry-After': '5' });
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      type: '/problems/store-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The table could not be read.',
      instance: '/api/health',
    });
  });
});
