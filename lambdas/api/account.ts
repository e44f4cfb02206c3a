import { callerOf } from '../middleware/auth';
import { json } from '../middleware/problem';
import { settingsUpdateSchema } from '../domain/settings';
import { deleteAccount, exportAccount, getSettings, putSettings } from '../store/account';
import { defaultStore } from '../store/client';
import { globalSignOut } from '../session/global-sign-out';
import { revokeTokensBefore } from '../ratelimit/revocation';
import { httpHandler } from './http';
import { accountFunction } from './routes';
import { parseBody } from './input';

/** The longest access-token lifetime the issuers may be configured with (Cognito's maximum is 1 day; ours is ≤ 1 h). */
const ACCESS_TOKEN_MAX_SECONDS = 3600;
const signOutAtIssuer = globalSignOut();

/**
 * GET/PUT /api/me/settings — daily goal, time zone (the browser's) and desired retention; a PUT
 * changes only the fields it names (and never the FSRS parameters an optimizer stores beside them).
 * GET /api/me/export — all of the learner's data as JSON. DELETE /api/me — deletes all of it
 * (aggregate item statistics hold no identity and stay), which ends every session: the session
 * families live in the same partition, and every access token issued so far is refused from the
 * next request on. Deletion needs a recent sign-in (step-up, `maxAuthAgeSeconds` in the route table).
 */
export const handler = httpHandler(
  accountFunction,
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.routeKey.endsWith('/api/me/settings')) {
      if (event.requestContext.http.method === 'PUT') {
        await putSettings(store, sub, parseBody(event, settingsUpdateSchema));
        return json(200, await getSettings(store, sub), { 'Cache-Control': 'no-store' });
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
    // The deleted account's access tokens are refused from now on: first, so that no request in
    // flight writes again while the partition is deleted; then again, because deletion also removes
    // the rate-limit items. The marker left (the sub's rate-limit key with `revokedBefore` and nothing
    // else) only has to outlive those tokens (≤ 1 h), so it expires then, not after two days.
    const revoke = () => revokeTokensBefore(store, sub, Math.floor(Date.now() / 1000) + 1, { ttlSeconds: ACCESS_TOKEN_MAX_SECONDS + 60 });
    await revoke();
    // In AWS, Cognito too refuses the learner's refresh tokens from now on (a no-op locally).
    await signOutAtIssuer(sub);
    await deleteAccount(store, sub);
    await revoke();
    return { statusCode: 204, headers: { 'Cache-Control': 'no-store' } };
  },
);
