import { callerOf } from '../middleware/auth';
import { json } from '../middleware/problem';
import { settingsUpdateSchema } from '../domain/settings';
import { deleteAccount, exportAccount, getSettings, putSettings } from '../store/account';
import { defaultStore } from '../store/client';
import { httpHandler } from './http';
import { parseBody } from './input';

/**
 * GET/PUT /api/me/settings — daily goal, time zone (the browser's) and desired retention; a PUT
 * changes only the fields it names. GET /api/me/export — all of the learner's data as JSON. DELETE /api/me — deletes all of it
 * (aggregate item statistics hold no identity and stay).
 */
export const handler = httpHandler(
  'account',
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.routeKey.endsWith('/api/me/settings')) {
      if (event.requestContext.http.method === 'PUT') {
        const next = { ...(await getSettings(store, sub)), ...parseBody(event, settingsUpdateSchema) };
        await putSettings(store, sub, next);
        return json(200, next, { 'Cache-Control': 'no-store' });
      }
      return json(200, await getSettings(store, sub), { 'Cache-Control': 'no-store' });
    }
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
