import * as z from '../domain/zod';
import { authConfigFromEnv } from '../middleware/auth-config';
import { callerOf, createTokenVerifier } from '../middleware/auth';
import { json, problem } from '../middleware/problem';
import { defaultStore } from '../store/client';
import { CALLBACK_PATH } from '../session/callback';
import { sessionConfigFromEnv } from '../session/config';
import { sessionCookieOf } from '../session/cookie';
import { globalSignOut } from '../session/global-sign-out';
import { sessionKey } from '../session/key';
import { refreshSession, signOut, signOutEverywhere, startSession, type SessionAnswer, type SessionDeps } from '../session/service';
import { httpHandler } from './http';
import { authFunction } from './routes';
import { parseBody } from './input';

const sessionBody = z.strictObject({
  code: z.string().check(z.minLength(1), z.maxLength(2048)),
  codeVerifier: z.string().check(z.regex(/^[A-Za-z0-9._~-]{43,128}$/)),
  // The issuer checks the exact URI against its registered ones; here it must at least be ours.
  redirectUri: z.url().check(z.refine((uri) => new URL(uri).pathname === CALLBACK_PATH, 'not the site callback')),
});

/** Resolved at cold start: a function without session configuration refuses to start. */
const config = sessionConfigFromEnv();
const verify = createTokenVerifier(authConfigFromEnv());
const signOutAtIssuer = globalSignOut();

async function deps(): Promise<SessionDeps> {
  return { config, store: defaultStore(), key: await sessionKey(config), verify, now: () => Math.floor(Date.now() / 1000), globalSignOut: signOutAtIssuer };
}

const respond = (outcome: SessionAnswer) =>
  outcome.body
    ? json(outcome.status, outcome.body, { 'Cache-Control': 'no-store', 'Set-Cookie': outcome.cookie })
    : { statusCode: outcome.status, headers: { 'Cache-Control': 'no-store', 'Set-Cookie': outcome.cookie } };

/**
 * The session routes (token-mediating backend, docs/api.md "Sessions"): POST /api/auth/session
 * (code exchange), /refresh, /sign-out and /sign-out-everywhere. All are same-origin JSON POSTs.
 */
export const handler = httpHandler(authFunction, async (event, context) => {
  const cookie = sessionCookieOf(event);
  switch (event.routeKey) {
    case 'POST /api/auth/session':
      return respond(await startSession(await deps(), parseBody(event, sessionBody)));
    case 'POST /api/auth/refresh':
      return respond(await refreshSession(await deps(), cookie));
    case 'POST /api/auth/sign-out':
      return respond(await signOut(await deps(), cookie));
    case 'POST /api/auth/sign-out-everywhere':
      return respond(await signOutEverywhere(await deps(), callerOf(context), cookie));
    default:
      throw problem(404, 'Not Found', { type: 'not-found', detail: 'No such route.' });
  }
});
