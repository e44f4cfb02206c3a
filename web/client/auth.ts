/**
 * Sign-in with OpenID Connect authorization code + PKCE (S256) against the issuer named in
 * `/config.json` (Cognito in AWS, the local issuer under `npm start`).
 *
 * Storage: state, verifier and return path live in sessionStorage only for the round trip to the
 * issuer. The access token also lives in sessionStorage: this is a multi-page site, so a token held
 * only in memory would be lost on every link followed; sessionStorage is per tab and gone when the
 * tab closes, never sent automatically (unlike a cookie, so no CSRF), and the strict CSP (no inline
 * or third-party script) is what keeps other code from reading it. No refresh token is requested:
 * after an hour the learner signs in again. The ID token is never used to call the API.
 */

interface SiteConfig {
  clientId: string;
  issuer: string;
  authorizeEndpoint?: string;
  tokenEndpoint?: string;
  logoutEndpoint?: string;
  discoveryUrl?: string;
  redirectPath: string;
  scopes: string[];
  provider?: string;
}

const TOKEN_KEY = 'rungs.token';
const FLOW_KEY = 'rungs.signin';

interface Session {
  accessToken: string;
  expiresAt: number;
  sub: string;
}

let configPromise: Promise<Required<Pick<SiteConfig, 'authorizeEndpoint' | 'tokenEndpoint'>> & SiteConfig> | undefined;

async function config() {
  configPromise ??= (async () => {
    const site = (await (await fetch('/config.json')).json()) as SiteConfig;
    if (site.authorizeEndpoint && site.tokenEndpoint) return { ...site, authorizeEndpoint: site.authorizeEndpoint, tokenEndpoint: site.tokenEndpoint };
    const discovery = (await (await fetch(site.discoveryUrl ?? `${site.issuer}/.well-known/openid-configuration`)).json()) as {
      authorization_endpoint: string;
      token_endpoint: string;
      end_session_endpoint?: string;
    };
    return {
      ...site,
      authorizeEndpoint: site.authorizeEndpoint ?? discovery.authorization_endpoint,
      tokenEndpoint: site.tokenEndpoint ?? discovery.token_endpoint,
    };
  })();
  return configPromise;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = (path: string) => new URL(path, location.origin).toString();

export function session(): Session | undefined {
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (!stored) return undefined;
  const parsed = JSON.parse(stored) as Session;
  if (parsed.expiresAt > Date.now() + 30_000) return parsed;
  sessionStorage.removeItem(TOKEN_KEY);
  return undefined;
}

export function signOutLocally(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export async function signIn(): Promise<void> {
  const site = await config();
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(FLOW_KEY, JSON.stringify({ state, verifier, returnTo: location.pathname + location.search }));
  const url = new URL(site.authorizeEndpoint);
  url.search = new URLSearchParams({
    client_id: site.clientId,
    redirect_uri: redirectUri(site.redirectPath),
    response_type: 'code',
    scope: site.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

export async function signOut(): Promise<void> {
  signOutLocally();
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

/** Reads the subject from the access token for display only; the API verifies the token itself. */
const subjectOf = (token: string) => {
  try {
    return (JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string }).sub ?? '';
  } catch {
    return '';
  }
};

/** On `/auth/callback/`: checks state, exchanges the code with the verifier, returns where to go. */
export async function completeSignIn(params: URLSearchParams): Promise<string> {
  const flow = JSON.parse(sessionStorage.getItem(FLOW_KEY) ?? 'null') as { state: string; verifier: string; returnTo: string } | null;
  sessionStorage.removeItem(FLOW_KEY);
  if (params.get('error')) throw new Error(params.get('error_description') ?? params.get('error') ?? 'sign-in failed');
  if (!flow || params.get('state') !== flow.state) throw new Error('This sign-in did not start here (state mismatch). Please sign in again.');
  const site = await config();
  const response = await fetch(site.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: redirectUri(site.redirectPath),
      client_id: site.clientId,
      code_verifier: flow.verifier,
    }),
  });
  if (!response.ok) throw new Error(`The issuer refused the sign-in (${response.status}).`);
  const tokens = (await response.json()) as { access_token: string; expires_in?: number };
  const stored: Session = { accessToken: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000, sub: subjectOf(tokens.access_token) };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(stored));
  return flow.returnTo.startsWith('/') && !flow.returnTo.startsWith('//') ? flow.returnTo : '/';
}
