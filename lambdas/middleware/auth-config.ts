/**
 * Identity configuration, read from the environment that the stack (Cognito) or the local platform
 * (its own OIDC issuer) sets. Secure by default: either the issuer and audience are both set, or the
 * authentication middleware refuses to start with a message naming what is missing.
 */

export interface AuthConfig {
  /** Expected `iss`, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  issuer: string;
  /** The app client id: must be in `aud`, or equal `client_id` when the token has no `aud` (Cognito access tokens). */
  audience: string;
  jwksUri: string;
  /** Expected `token_use` when the token carries one (Cognito: `access`). */
  tokenUse: string;
  /** Group a caller needs for author routes. */
  authorsGroup: string;
  /** Claim holding groups besides Cognito's `cognito:groups`. */
  groupsClaim: string;
}

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

const isLoopback = (url: URL) => url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';

function parseUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigError(`${name} must be an absolute URL, got "${value}"`);
  }
  // Keys fetched over plain http could be swapped in transit; only a local issuer may use it.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new AuthConfigError(`${name} must use https (http is accepted only on 127.0.0.1/localhost), got "${value}"`);
  }
  return url;
}

/** The group that makes a caller an author (AUTH_AUTHORS_GROUP, default `authors`); also read by the rate limiter's tiers. */
export const authorsGroupFromEnv = (env: NodeJS.ProcessEnv = process.env): string => env.AUTH_AUTHORS_GROUP?.trim() || 'authors';

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const issuer = env.AUTH_ISSUER?.trim();
  const audience = env.AUTH_AUDIENCE?.trim();
  const missing = [!issuer && 'AUTH_ISSUER', !audience && 'AUTH_AUDIENCE'].filter(Boolean);
  if (missing.length) {
    throw new AuthConfigError(
      `authentication is not configured: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set (the issuer URL and the app client id are both required; see docs/api.md "Identity")`,
    );
  }
  parseUrl('AUTH_ISSUER', issuer!);
  const jwksUri = env.AUTH_JWKS_URI?.trim() || `${issuer!.replace(/\/$/, '')}/.well-known/jwks.json`;
  parseUrl('AUTH_JWKS_URI', jwksUri);
  return {
    issuer: issuer!,
    audience: audience!,
    jwksUri,
    tokenUse: env.AUTH_TOKEN_USE?.trim() || 'access',
    authorsGroup: authorsGroupFromEnv(env),
    groupsClaim: env.AUTH_GROUPS_CLAIM?.trim() || 'groups',
  };
}
