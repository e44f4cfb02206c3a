import { hkdfSync, randomUUID } from 'node:crypto';
import { keysNotReady } from '../middleware/auth';
import { problem } from '../middleware/problem';
import type { Identity } from '../middleware/request-context';
import type { Store } from '../store/client';
import { revokeTokensBefore } from '../ratelimit/revocation';
import * as z from '../domain/zod';
import { claimGeneration, commitGeneration, createFamily, endAllFamilies, endFamily, markDuplicated, readFamily, releaseGeneration, stampRotation, takeOverRotation } from '../store/sessions';
import type { SessionConfig } from './config';
import type { GlobalSignOut } from './global-sign-out';
import { clearSessionCookie, open, openValue, seal, sealValue, sessionCookieSchema, setSessionCookie, type SessionCookie } from './cookie';
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
  } catch (error) {
    if (keysNotReady(error)) throw error;
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
  let identity: Identity;
  try {
    identity = await verified(deps, tokens);
  } catch (error) {
    // The code is spent either way: what the issuer minted for it never reaches the page.
    if (tokens.refresh_token) await revokeRefreshToken(deps.config, tokens.refresh_token);
    throw keysNotReady(error) ? issuerDown() : error;
  }
  if (!tokens.refresh_token) throw problem(502, 'Bad Gateway', { type: 'issuer-token-refused', detail: 'The sign-in service issued no refresh token.' });
  const now = deps.now();
  const session: SessionCookie = { rt: tokens.refresh_token, sub: identity.sub, fid: randomUUID(), gen: 1, started: now, seen: now };
  try {
    await createFamily(deps.store, { sub: session.sub, familyId: session.fid, generation: 1, started: now, seen: now }, now + deps.config.absoluteSeconds);
  } catch (error) {
    await revokeRefreshToken(deps.config, session.rt);
    throw error;
  }
  return answer(deps, tokens, session);
}

/**
 * How long after a rotation the cookie it answered may come back and get the same answer again,
 * while that answer's cookie is unused: the answer was lost on the way (the tab reloaded or closed
 * mid-refresh, the network dropped the response), not copied. Later, once the successor was used,
 * or for a cookie that was itself handed out by such a replay, the old cookie is reuse.
 */
export const ROTATION_GRACE_SECONDS = 30;
/** A rotation in flight is waited for this long (plus the reads), then the refresh answers 503 with Retry-After. */
export const IN_FLIGHT_WAIT_MS = 4000;
const POLL_MS = 200;
/**
 * A refresh that has run longer than this (waiting on another) does not claim or take over a
 * rotation itself: its issuer call, key fetch and writes might not fit in the function's 10 s. 503,
 * and the page's retry rotates.
 */
export const ROTATE_WITHIN_MS = 2000;
const MAX_READS = 50;
/** A rotation mark older than this was left by a function that stopped (its timeout is 10 s): taken over. */
export const STALE_ROTATION_SECONDS = 15;

/**
 * The answer of a committed rotation, sealed into the family record for a retry of the same cookie,
 * under a key derived from the cookie key and the refresh token that cookie carried: the table and
 * the cookie key alone cannot open it, only a request that presents that cookie again.
 */
const successorSchema = z.object({
  session: sessionCookieSchema,
  accessToken: z.string().check(z.minLength(1)),
  /** Epoch seconds. */
  expiresAt: z.number(),
  /** The access token could not be checked (the issuer's keys were out of reach): never handed out. */
  unchecked: z.optional(z.boolean()),
});
type Successor = z.infer<typeof successorSchema>;
const SUCCESSOR = 'rungs-session-successor';
const successorKey = (deps: SessionDeps, presented: SessionCookie) => Buffer.from(hkdfSync('sha256', deps.key, presented.rt, SUCCESSOR, 32));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function successorAnswer(deps: SessionDeps, successor: Successor): SessionAnswer {
  return {
    status: 200,
    body: { accessToken: successor.accessToken, expiresIn: Math.max(1, successor.expiresAt - deps.now()), sub: successor.session.sub },
    cookie: setSessionCookie(seal(deps.key, successor.session), deps.config.inactivitySeconds),
  };
}

/** The `sub` a token claims, unchecked: only to compare with the session's while the keys are out of reach. */
function unverifiedSubject(token: string): string | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && typeof (payload as { sub?: unknown }).sub === 'string' ? (payload as { sub: string }).sub : undefined;
  } catch {
    return undefined;
  }
}

/** The rotation is kept but its token could not be checked: the rotated cookie, no token, and a retry. */
const keysOutOfReach = (deps: SessionDeps, rotated: SessionCookie) =>
  problem(503, 'Service Unavailable', {
    type: 'issuer-unavailable',
    detail: 'The sign-in service did not answer; try again shortly.',
    headers: { 'Retry-After': '2', 'Set-Cookie': setSessionCookie(seal(deps.key, rotated), deps.config.inactivitySeconds) },
  });

const inProgress = () => problem(503, 'Service Unavailable', { type: 'refresh-in-progress', detail: 'This session is being refreshed; try again shortly.', headers: { 'Retry-After': '1' } });

/**
 * POST /api/auth/refresh: rotates the refresh token once and returns a fresh access token.
 *
 * The cookie's generation is claimed first. When the record is already one generation ahead, the
 * same cookie came back: while that rotation is in flight the refresh waits for it (reading the
 * record every POLL_MS, up to IN_FLIGHT_WAIT_MS, then 503); once it is committed, within
 * ROTATION_GRACE_SECONDS and while its cookie is unused, the refresh gets the same answer again
 * (once per cookie: a cookie handed out that way gets no replay itself). Anything else is reuse.
 */
export async function refreshSession(deps: SessionDeps, sealed: string | undefined): Promise<SessionAnswer> {
  const session = sealed === undefined ? undefined : open(deps.key, sealed);
  if (!session) throw ended('There is no session: sign in.', 'no-session');
  const { sub, fid, gen } = session;
  const started = deps.now();
  if (started - session.seen > deps.config.inactivitySeconds || started - session.started > deps.config.absoluteSeconds) {
    await endFamily(deps.store, sub, fid);
    await revokeRefreshToken(deps.config, session.rt);
    throw ended('The session expired: sign in again.', 'session-expired');
  }
  // Wall-clock time since this refresh began: a rotation of its own must fit in the function's 10 s.
  const begun = Date.now();
  const elapsed = () => Date.now() - begun;
  for (;;) {
    const claimId = randomUUID();
    const claim = await claimGeneration(deps.store, sub, fid, gen, deps.now(), claimId);
    if (claim.claimed) return rotate(deps, session, claimId);
    let family = claim.family;
    // Read until the claim can be tried again (a rotation given back), or the record decides; every
    // pass follows a change of the record or a wait, and the passes are bounded all the same.
    for (let reads = 0; ; reads++) {
      if (reads >= MAX_READS) throw inProgress();
      const now = deps.now();
      if (!family) return refuse(deps, session, 'ended');
      if (family.generation === gen) {
        if (elapsed() > ROTATE_WITHIN_MS) throw inProgress();
        break;
      }
      if (family.generation !== gen + 1) return refuse(deps, session, family.generation > gen ? 'reused' : 'ended');
      if (family.rotation) {
        const { id, at } = family.rotation;
        if (at === undefined) await stampRotation(deps.store, sub, fid, id, now);
        else if (now - at > STALE_ROTATION_SECONDS) {
          if (elapsed() > ROTATE_WITHIN_MS) throw inProgress();
          if (await takeOverRotation(deps.store, sub, fid, gen, id, now, claimId)) return rotate(deps, session, claimId);
        } else if (elapsed() >= IN_FLIGHT_WAIT_MS) throw inProgress();
        else await sleep(POLL_MS);
        family = await readFamily(deps.store, sub, fid);
        continue;
      }
      // Committed: the same answer again, if this cookie may have it.
      const answer = family.successor && family.duplicated !== gen && now - family.successor.at <= ROTATION_GRACE_SECONDS ? openValue(successorKey(deps, session), SUCCESSOR, family.successor.sealed, successorSchema) : undefined;
      if (!answer || answer.session.gen !== gen + 1) return refuse(deps, session, 'reused');
      if (await markDuplicated(deps.store, sub, fid, gen, family.successor!.at)) {
        // An answer whose token could not be checked is handed out as it was: the cookie, no token.
        if (answer.unchecked) throw keysOutOfReach(deps, answer.session);
        return successorAnswer(deps, answer);
      }
      // Its cookie was used meanwhile (a claim came first): read what the record says now.
      family = await readFamily(deps.store, sub, fid);
    }
  }
}

/**
 * Reuse: this cookie's refresh token was rotated and its successor used (or the grace passed), so
 * someone holds a copy. End the whole family here and at the issuer (oidc-provider revokes the grant
 * of a revoked token), and refuse the access tokens already issued (the learner's other sessions
 * refresh once, unharmed). An ended family: only the presented token is revoked.
 */
async function refuse(deps: SessionDeps, session: SessionCookie, reason: 'ended' | 'reused'): Promise<never> {
  if (reason === 'reused') {
    await endFamily(deps.store, session.sub, session.fid);
    await revokeTokensBefore(deps.store, session.sub, deps.now() + 1);
  }
  await revokeRefreshToken(deps.config, session.rt);
  throw ended(reason === 'reused' ? 'This session was used elsewhere and has been ended: sign in again.' : 'The session was ended: sign in again.');
}

/** The claimed rotation: asks the issuer, then commits (or gives the generation back when it could not be asked). */
async function rotate(deps: SessionDeps, session: SessionCookie, claimId: string): Promise<SessionAnswer> {
  const { sub, fid, gen } = session;
  const now = deps.now();
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
  // The issuer rotated: whatever follows, the cookie's refresh token is spent there.
  const minted = tokens.refresh_token ?? session.rt;
  // An issuer that does not rotate keeps answering without a new refresh token.
  const next: Successor = { session: { ...session, rt: minted, gen: gen + 1, seen: now }, accessToken: tokens.access_token, expiresAt: now + (tokens.expires_in ?? 3600) };
  const commit = async (kept: Successor) => {
    if (await commitGeneration(deps.store, sub, fid, gen, claimId, sealValue(successorKey(deps, session), SUCCESSOR, kept), deps.now())) return;
    // The family ended while the issuer was rotating (sign out everywhere, sign-out, deletion): what
    // it just minted is revoked at the issuer and never reaches the page.
    await revokeRefreshToken(deps.config, minted);
    throw ended('The session was ended: sign in again.');
  };
  let identity: Identity;
  try {
    identity = await verified(deps, tokens);
  } catch (error) {
    if (keysNotReady(error) && unverifiedSubject(tokens.access_token) === sub) {
      // The token cannot be checked right now: the rotation is kept and the page gets the new
      // cookie without a token, so its retry is an ordinary refresh of the next generation.
      await commit({ ...next, unchecked: true });
      throw keysOutOfReach(deps, next.session);
    }
    // A token the API refuses ends the family rather than leaving the rotation in flight.
    await endFamily(deps.store, sub, fid);
    await revokeRefreshToken(deps.config, minted);
    throw keysNotReady(error) ? ended('The session changed hands: sign in again.') : error;
  }
  if (identity.sub !== sub) {
    await endFamily(deps.store, sub, fid);
    await revokeRefreshToken(deps.config, minted);
    throw ended('The session changed hands: sign in again.');
  }
  await commit(next);
  return successorAnswer(deps, next);
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
