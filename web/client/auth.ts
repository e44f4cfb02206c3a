/**
 * Sessions through the site's own token-mediating backend (`/api/auth/*`, docs/api.md "Sessions").
 *
 * Sign-in is authorization code + PKCE at the issuer named in `/config.json`; the callback page
 * posts the code and verifier to `/api/auth/session`, which keeps the refresh token in an HttpOnly
 * cookie the page cannot read and answers a short-lived access token. The access token lives in
 * sessionStorage (per tab, gone with the tab; this is a multi-page site, so memory alone would be
 * lost on every link). A tab without one asks `/api/auth/refresh` on load; refreshes are serialized
 * across tabs with a Web Lock, so two tabs never rotate the same cookie at once (a cookie sent again
 * because its answer was lost gets that answer, docs/api.md "An answer lost on the way"). `rungs.signed-in` in localStorage is only a hint that a cookie may
 * exist (it spares anonymous visitors a request); the server decides.
 */

interface SiteConfig {
  clientId: string;
  issuer: string;
  authorizeEndpoint?: string;
  logoutEndpoint?: string;
  discoveryUrl?: string;
  redirectPath: string;
  scopes: string[];
  provider?: string;
}

const TOKEN_KEY = 'rungs.token';
const FLOW_KEY = 'rungs.signin';
const HINT_KEY = 'rungs.signed-in';
const NOTICE_KEY = 'rungs.notice';

export interface Session {
  accessToken: string;
  expiresAt: number;
  sub: string;
}

let configPromise: Promise<SiteConfig & { authorizeEndpoint: string }> | undefined;

async function config() {
  configPromise ??= (async () => {
    const site = (await (await fetch('/config.json')).json()) as SiteConfig;
    if (site.authorizeEndpoint) return { ...site, authorizeEndpoint: site.authorizeEndpoint };
    const discovery = (await (await fetch(site.discoveryUrl ?? `${site.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string };
    return { ...site, authorizeEndpoint: discovery.authorization_endpoint };
  })();
  return configPromise;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = (path: string) => new URL(path, location.origin).toString();

/** The tab's access token while it has more than 30 s left. */
export function session(): Session | undefined {
  const parsed = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null') as Session | null;
  return parsed && parsed.expiresAt > Date.now() + 30_000 ? parsed : undefined;
}

/** Tells the header (and anything else listening) that the session changed. */
const changed = () => dispatchEvent(new Event('rungs:session'));

export function forgetSession(notice?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(HINT_KEY);
  if (notice) sessionStorage.setItem(NOTICE_KEY, notice);
  changed();
}

/** A one-time message for the header (sign-in cancelled, session ended). */
export function takeNotice(): string | undefined {
  const notice = sessionStorage.getItem(NOTICE_KEY) ?? undefined;
  sessionStorage.removeItem(NOTICE_KEY);
  return notice;
}

function keep(answer: { accessToken: string; expiresIn: number; sub: string }): Session {
  const stored: Session = { accessToken: answer.accessToken, expiresAt: Date.now() + answer.expiresIn * 1000, sub: answer.sub };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(stored));
  localStorage.setItem(HINT_KEY, '1');
  return stored;
}

/** A same-origin JSON POST to a session route (JSON makes it a non-simple request: CSRF defence). */
const post = (path: string, body: unknown = {}, token?: string) =>
  fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

const locked = <T>(fn: () => Promise<T>): Promise<T> => (navigator.locks ? (navigator.locks.request('rungs-refresh', fn) as Promise<T>) : fn());

let refreshing: Promise<Session | undefined> | undefined;

/**
 * The refresh could not be decided (network, timeout, the sign-in service down: 5xx): the session
 * is not over, so nothing is forgotten; ask again after `retryAfterSeconds`.
 */
export class RefreshUnavailable extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('The sign-in service is not answering.');
  }
}

/**
 * Asks the backend for a fresh access token (one refresh at a time per browser); undefined when the
 * session is over (401). Any other failure throws RefreshUnavailable and keeps the session.
 */
export function refresh(): Promise<Session | undefined> {
  refreshing ??= locked(async () => {
    const response = await post('/api/auth/refresh').catch(() => undefined);
    if (response?.ok) return keep(await response.json());
    if (response?.status === 401) {
      forgetSession(localStorage.getItem(HINT_KEY) ? 'Your session has ended. Please sign in again.' : undefined);
      return undefined;
    }
    throw new RefreshUnavailable(Math.min(Number(response?.headers.get('retry-after')) || 2, 10));
  }).finally(() => (refreshing = undefined));
  return refreshing;
}

/** Refreshes, waiting out a refresh that could not be decided (3 tries, Retry-After ≤ 10 s each); then its RefreshUnavailable is thrown. */
export async function refreshPatiently(): Promise<Session | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await refresh();
    } catch (error) {
      if (!(error instanceof RefreshUnavailable) || attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, error.retryAfterSeconds * 1000));
    }
  }
}

/** The tab's session, refreshed through the cookie when this tab has none yet (undefined when that cannot be decided now). */
export async function ensureSession(): Promise<Session | undefined> {
  return session() ?? (localStorage.getItem(HINT_KEY) ? refresh().catch(() => undefined) : undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The session a page starts with. A refresh that cannot be decided does not hold the page: the
 * header says the learner is still signed in, and the refresh is tried again in the background
 * (after its Retry-After, then up to three times, Retry-After apart). `onLater` runs when one
 * succeeds; when none does, the header says to reload later and `onGiveUp` runs; a 401 ends the
 * session as usual, and `onEnded` runs.
 */
export async function startingSession(onLater: (session: Session) => void, onGiveUp: () => void, onEnded: () => void): Promise<Session | undefined> {
  const current = session();
  if (current || !localStorage.getItem(HINT_KEY)) return current;
  try {
    return await refresh();
  } catch (error) {
    undecided = true;
    sessionStorage.setItem(NOTICE_KEY, 'The sign-in service is not answering right now. You are still signed in: this page picks the session up once it answers.');
    void (async () => {
      await sleep((error instanceof RefreshUnavailable ? error.retryAfterSeconds : 2) * 1000);
      try {
        const later = await refreshPatiently();
        undecided = false;
        if (later) onLater(later);
        else onEnded();
      } catch {
        sessionStorage.setItem(NOTICE_KEY, 'The sign-in service is still not answering. You are still signed in: reload the page in a while.');
        changed();
        onGiveUp();
      }
    })();
    return undefined;
  }
}

let undecided = false;

/** True while the page could not learn whether its session goes on (the sign-in service is down): it is neither signed in nor out. */
export const sessionUndecided = () => undecided && !session() && localStorage.getItem(HINT_KEY) !== null;

/** Starts sign-in; `prompt: 'login'` with `maxAge: 0` asks for a fresh authentication (step-up). */
export async function signIn(options: { returnTo?: string; fresh?: boolean } = {}): Promise<void> {
  const site = await config();
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(FLOW_KEY, JSON.stringify({ state, verifier, returnTo: options.returnTo ?? location.pathname + location.search }));
  const url = new URL(site.authorizeEndpoint);
  url.search = new URLSearchParams({
    client_id: site.clientId,
    redirect_uri: redirectUri(site.redirectPath),
    response_type: 'code',
    scope: site.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.fresh ? { prompt: 'login', max_age: '0' } : {}),
  }).toString();
  location.assign(url.toString());
}

/** Revokes this session's refresh token (the backend asks the issuer) and forgets the tab's token. */
export async function signOut(): Promise<void> {
  await post('/api/auth/sign-out').catch(() => undefined);
  forgetSession();
  const site = await config();
  // Cognito's hosted UI keeps its own session: end it too, or "sign in" would sign straight back in.
  if (site.provider === 'cognito' && site.logoutEndpoint) {
    const url = new URL(site.logoutEndpoint);
    url.search = new URLSearchParams({ client_id: site.clientId, logout_uri: `${location.origin}/` }).toString();
    location.assign(url.toString());
  } else {
    location.reload();
  }
}

/**
 * Ends every session of the learner; the API refuses their older access tokens from the next request
 * on. A refused token is refreshed once and the call sent again (as `api()` does). `done`: the route
 * said it ended them; `failed`: it may not have gone through (no answer, or an error) and this tab is
 * still signed in; `no-session`: this tab's session is over, so it must sign in to try again.
 */
export async function signOutEverywhere(): Promise<'done' | 'failed' | 'no-session'> {
  const send = (token: string) => post('/api/auth/sign-out-everywhere', {}, token).catch(() => undefined);
  try {
    let current = session() ?? (localStorage.getItem(HINT_KEY) ? await refresh() : undefined);
    if (!current) return 'no-session';
    let response = await send(current.accessToken);
    if (response?.status === 401) {
      current = await refresh();
      if (!current) return 'no-session';
      response = await send(current.accessToken);
    }
    if (response?.ok) {
      forgetSession();
      return 'done';
    }
    // No answer to trust: a session that still refreshes was not ended; one that does not may have
    // ended here only, so the learner is asked to sign in and try again.
    return (await refresh()) ? 'failed' : 'no-session';
  } catch {
    return 'failed';
  }
}

/**
 * On the callback page: checks state, has the backend exchange the code, returns where to go. A
 * cancelled (or refused) sign-in returns to the page it started from with a short notice.
 */
export async function completeSignIn(params: URLSearchParams): Promise<string> {
  const flow = JSON.parse(sessionStorage.getItem(FLOW_KEY) ?? 'null') as { state: string; verifier: string; returnTo: string } | null;
  sessionStorage.removeItem(FLOW_KEY);
  const returnTo = flow && flow.returnTo.startsWith('/') && !flow.returnTo.startsWith('//') ? flow.returnTo : '/';
  if (params.get('error')) {
    sessionStorage.setItem(NOTICE_KEY, params.get('error') === 'access_denied' ? 'Sign-in was cancelled.' : 'Sign-in did not complete. Please try again.');
    return returnTo;
  }
  if (!flow || params.get('state') !== flow.state) throw new Error('This sign-in did not start here (state mismatch). Please sign in again.');
  const site = await config();
  const response = await post('/api/auth/session', { code: params.get('code') ?? '', codeVerifier: flow.verifier, redirectUri: redirectUri(site.redirectPath) });
  if (!response.ok) throw new Error(`The sign-in was refused (${response.status}). Please sign in again.`);
  keep(await response.json());
  return returnTo;
}
