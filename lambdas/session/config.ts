/**
 * Configuration of the session routes (`/api/auth/*`), read from the environment the stack (Cognito)
 * or the local platform (its oidc-provider issuer) sets. Secure by default: the routes refuse to start
 * without the issuer's token and revocation endpoints and a source for the cookie key.
 */

export interface SessionConfig {
  /** The issuer's token endpoint (code exchange and refresh), e.g. Cognito's `<domain>/oauth2/token`. */
  tokenEndpoint: string;
  /** RFC 7009 revocation endpoint, e.g. Cognito's `<domain>/oauth2/revoke`. */
  revocationEndpoint: string;
  /** The public client the site signs in with (the same id the API expects as audience). */
  clientId: string;
  /** Where the cookie key comes from: a base64url key (local) or a Secrets Manager secret (AWS). */
  key: { kind: 'inline'; value: string } | { kind: 'secret'; arn: string };
  /** A session that has not refreshed for this long is over (sliding window). */
  inactivitySeconds: number;
  /** A session is over this long after its sign-in, however active (absolute cap). */
  absoluteSeconds: number;
}

/** 30 days of inactivity end a session; none lasts more than 90 days from its sign-in. */
export const SESSION_INACTIVITY_SECONDS = 30 * 86_400;
export const SESSION_ABSOLUTE_SECONDS = 90 * 86_400;

export class SessionConfigError extends Error {
  override readonly name = 'SessionConfigError';
}

export function sessionConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SessionConfig {
  const tokenEndpoint = env.AUTH_TOKEN_ENDPOINT?.trim();
  const revocationEndpoint = env.AUTH_REVOCATION_ENDPOINT?.trim();
  const clientId = env.AUTH_AUDIENCE?.trim();
  const inline = env.SESSION_KEY?.trim();
  const arn = env.SESSION_KEY_SECRET_ARN?.trim();
  const missing = [
    !tokenEndpoint && 'AUTH_TOKEN_ENDPOINT',
    !revocationEndpoint && 'AUTH_REVOCATION_ENDPOINT',
    !clientId && 'AUTH_AUDIENCE',
    !inline && !arn && 'SESSION_KEY or SESSION_KEY_SECRET_ARN',
  ].filter(Boolean);
  if (missing.length) throw new SessionConfigError(`sessions are not configured: ${missing.join(', ')} missing (see docs/api.md "Sessions")`);
  if (inline && Buffer.from(inline, 'base64url').length !== 32) throw new SessionConfigError('SESSION_KEY must be 32 bytes, base64url-encoded');
  return {
    tokenEndpoint: tokenEndpoint!,
    revocationEndpoint: revocationEndpoint!,
    clientId: clientId!,
    key: inline ? { kind: 'inline', value: inline } : { kind: 'secret', arn: arn! },
    inactivitySeconds: SESSION_INACTIVITY_SECONDS,
    absoluteSeconds: SESSION_ABSOLUTE_SECONDS,
  };
}
