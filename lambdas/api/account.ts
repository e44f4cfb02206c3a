import { callerOf } from '../middleware/auth';
import { json } from '../middleware/problem';
import { deleteAccount, exportAccount } from '../store/account';
import { defaultStore } from '../store/client';
import { httpHandler } from './http';

/**
 * GET /api/me/export — all of the learner's data as JSON. DELETE /api/me — deletes all of it
 * (aggregate item statistics hold no identity and stay).
 */
export const handler = httpHandler(
  'account',
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.requestContext.http.method === 'GET') {
      const data = await exportAccount(store, sub);
      return json(200, { sub, exportedAt: new Date().toISOString(), ...data }, {
        'Cache-Control': 'no-store',
        'Content-Disposition': 'attachment; filename="rungs-export.json"',
      });
    }
    await deleteAccount(store, sub);
    return { statusCode: 204, headers: { 'Cache-Control': 'no-store' } };
  },
);
