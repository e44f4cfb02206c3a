import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { json, problem } from '../middleware/problem';
import { defaultStore } from '../store/client';
import * as keys from '../store/keys';
import { httpHandler } from './http';
import { systemFunction } from './routes';

/**
 * GET /api/health — answers 200 only when the table can be read. Its rate limit fails open: a monitor
 * should learn about the table from the check itself, not from the limiter.
 */
export const handler = httpHandler(systemFunction, async () => {
  const store = defaultStore();
  const started = Date.now();
  try {
    await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.health() }));
  } catch (error) {
    throw problem(503, 'Service Unavailable', {
      type: 'store-unavailable',
      detail: 'The table could not be read.',
      headers: { 'Retry-After': '5' },
    });
  }
  return json(200, { status: 'ok', tableLatencyMs: Date.now() - started }, { 'Cache-Control': 'no-store' });
});
