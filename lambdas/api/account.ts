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
  // Export and deletion read or write a learner's whole partition: they cost ten units, and they wait
  // (503) rather than run unmetered when the rate limiter's store is down.
  { auth: 'required', rateLimit: { weight: 10, failure: 'closed' } },
);
