import { randomUUID } from 'node:crypto';
import { problem } from '../middleware/problem';
import type { Identity } from '../middleware/request-context';
import type { Store } from '../store/client';
import { revokeTokensBefore } from '../ratelimit/revocation';
import { claimGeneration, commitGeneration, createFamily, endAllFamilies, endFamily, releaseGeneration } from '../store/sessions';
import type { SessionConfig } from './config';
import type { GlobalSignOut } from './global-sign-out';
import { clearSessionCookie, open, seal, setSessionCookie, type SessionCookie } from './cookie';
import { exchangeCode, GrantRefused, IssuerUnavailable, refreshTokens, revokeRefreshToken, type TokenResponse } from './issuer';

/**
 * The token-mediating backend: the browser signs in with authorization code + PKCE, but the code
 * exchange and every refresh go through here, so the refresh token lives only in the sealed
 * HttpOnly cookie. The page gets the short-lived access token and keeps it per tab.
 */
export interface SessionDeps {
  config: SessionConfig;
  store: Store;
  key: Buffer;
  /** Verifies an access token the issuer just returned (the API's own verifier). */
  verify: (token: string) => Promise<Identity>;
  /** Epoch seconds. */
  now: () => number;
  /** Cognito's AdminUserGlobalSignOut in AWS; a no-op locally (global-sign-out.ts). */
  globalSignOut: GlobalSignOut;
}

export interface SessionAnswer {
  status: number;
  body?: { accessToken: string; expiresIn: number; sub: string };
  cookie: string;
}

const ended = (detail: string, type = 'session-ended') =>
  problem(401, 'Unauthorized', {
    type,
    detail,
    headers: { 'Set-Cookie': clearSessionCookie(), 'WWW-Authenticate': 'Bearer realm="rungs"' },
  });

const issuerDown = () => problem(503, 'Service Unavailable', { type: 'issuer-unavailable', detail: 'The sign-in service did not answer; try again shortly.', headers: { 'Retry-After': '2' } });

async function verified(deps: SessionDeps, tokens: TokenResponse): Promise<Identity> {
  try {
    return await deps.verify(tokens.access_token);
  } catch {
    // The issuer we trust returned a token the API would refuse: never hand it to the page.
    throw problem(502, 'Bad Gateway', { type: 'issuer-token-refused', detail: 'The sign-in service returned a token this API does not accept.' });
  }
}

function answer(deps: SessionDeps, tokens: TokenResponse, session: SessionCookie): SessionAnswer {
  return {
    status: 200,
    body: { accessToken: tokens.access_token, expiresIn: tokens.expires_in ?? 3600, sub: session.sub },
    cookie: setSessionCookie(seal(deps.key, session), deps.config.inactivitySeconds),
  };
}

/** POST /api/auth/session: exchanges the authorization code and starts a session family. */
export async function startSession(deps: SessionDeps, input: { code: string; codeVerifier: string; redirectUri: string }): Promise<SessionAnswer> {
  let tokens: TokenResponse;
  try {
    tokens = await exchangeCode(deps.config, input);
  } catch (error) {
    if (error instanceof GrantRefused) throw problem(400, 'Bad Request', { type: 'sign-in-refused', detail: 'The sign-in service refused the code; sign in again.' });
    if (error instanceof IssuerUnavailable) throw issuerDown();
    throw error;
  }
  const identity = await verified(deps, tokens);
  if (!tokens.refresh_token) throw problem(502, 'Bad Gateway', { type: 'issuer-token-refused', detail: 'The sign-in service issued no refresh token.' });
  const now = deps.now();
  const session: SessionCookie = { rt: tokens.refresh_token, sub: identity.sub, fid: randomUUID(), gen: 1, started: now, seen: now };
  await createFamily(deps.store, { sub: session.sub, familyId: session.fid, generation: 1, started: now, seen: now }, now + deps.config.absoluteSeconds);
  return answer(deps, tokens, session);
}

/** POST /api/auth/refresh: rotates the refresh token once and returns a fresh access token. */
export async function refreshSession(deps: SessionDeps, sealed: string | undefined): Promise<SessionAnswer> {
  const session = sealed === undefined ? undefined : open(deps.key, sealed);
  if (!session) throw ended('There is no session: sign in.', 'no-session');
  const now = deps.now();
  const { sub, fid, gen } = session;
  if (now - session.seen > deps.config.inactivitySeconds || now - session.started > deps.config.absoluteSeconds) {
    await endFamily(deps.store, sub, fid);
    await revokeRefreshToken(deps.config, session.rt);
    throw ended('The session expired: sign in again.', 'session-expired');
  }
  const claimId = randomUUID();
  const claim = await claimGeneration(deps.store, sub, fid, gen, now, claimId);
  if (!claim.claimed) {
    // Reuse: this cookie's refresh token was already rotated, so someone holds a copy. End the
    // whole family here and at the issuer (oidc-provider revokes the grant of a revoked token), and
    // refuse the access tokens already issued (the learner's other sessions refresh once, unharmed).
    if (claim.reason === 'reused') {
      await endFamily(deps.store, sub, fid);
      await revokeTokensBefore(deps.store, sub, now + 1);
    }
    await revokeRefreshToken(deps.config, session.rt);
    throw ended(claim.reason === 'reused' ? 'This session was used elsewhere and has been ended: sign in again.' : 'The session was ended: sign in again.');
  }
  let tokens: TokenResponse;
  try {
    tokens = await refreshTokens(deps.config, session.rt);
  } catch (error) {
    if (error instanceof IssuerUnavailable || (error instanceof GrantRefused && !error.deadGrant)) {
      // A timeout, a 5xx or an error that is not invalid_grant: the session goes on (the generation
      // is given back, the cookie stays) and the client retries later.
      await releaseGeneration(deps.store, sub, fid, gen, claimId);
      throw issuerDown();
    }
    if (error instanceof GrantRefused) {
      await endFamily(deps.store, sub, fid);
      throw ended('The sign-in service ended the session: sign in again.');
    }
    throw error;
  }
  const identity = await verified(deps, tokens);
  if (identity.sub !== sub) {
    await endFamily(deps.store, sub, fid);
    throw ended('The session changed hands: sign in again.');
  }
  if (!(await commitGeneration(deps.store, sub, fid, gen, claimId))) {
    // The family ended while the issuer was rotating (sign out everywhere, sign-out, deletion): what
    // it just minted is revoked at the issuer and never reaches the page.
    await revokeRefreshToken(deps.config, tokens.refresh_token ?? session.rt);
    throw ended('The session was ended: sign in again.');
  }
  // An issuer that does not rotate keeps answering without a new refresh token.
  return answer(deps, tokens, { ...session, rt: tokens.refresh_token ?? session.rt, gen: gen + 1, seen: now });
}

/** POST /api/auth/sign-out: ends this session's family, revokes its refresh token, clears the cookie. */
export async function signOut(deps: SessionDeps, sealed: string | undefined): Promise<SessionAnswer> {
  const session = sealed === undefined ? undefined : open(deps.key, sealed);
  if (session) {
    await endFamily(deps.store, session.sub, session.fid);
    await revokeRefreshToken(deps.config, session.rt);
  }
  return { status: 204, cookie: clearSessionCookie() };
}

/**
 * POST /api/auth/sign-out-everywhere: ends every family of the caller, then refuses every access
 * token issued up to the end of this second (`revokedBefore` = now + 1; iat has one-second
 * resolution, and families end first so no refresh can mint a token after it); in AWS Cognito then
 * refuses every refresh token it issued to the learner (AdminUserGlobalSignOut).
 */
export async function signOutEverywhere(deps: SessionDeps, caller: Identity, sealed: string | undefined): Promise<SessionAnswer> {
  await endAllFamilies(deps.store, caller.sub);
  await revokeTokensBefore(deps.store, caller.sub, deps.now() + 1);
  await deps.globalSignOut(caller.sub);
  const session = sealed === undefined ? undefined : open(deps.key, sealed);
  if (session) await revokeRefreshToken(deps.config, session.rt);
  return { status: 204, cookie: clearSessionCookie() };
}
