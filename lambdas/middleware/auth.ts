import type { MiddlewareObj } from '@middy/core';
// The subpath, not the package root: the root also loads the Cognito and ALB verifiers (no sideEffects flag, so esbuild keeps them).
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { JwtExpiredError, JwtNotBeforeError, KidNotFoundInJwksError, WaitPeriodNotYetEndedJwkError } from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authConfigFromEnv, type AuthConfig } from './auth-config';
import { countMetric } from './observability';
import { problem } from './problem';
import type { ApiContext, Identity } from './request-context';

/**
 * Authentication: verifies the bearer access token with aws-jwt-verify and puts the caller
 * (verified `sub`, groups, scopes) on the context. No Lambda authorizer: every route decides for
 * itself, so a cached decision can never leak from one route to another.
 *
 * Order: after problemDetails and observability, before rate limiting (which keys on
 * `context.caller`) and idempotency (which scopes its records to the caller).
 *
 * Modes: `public` never looks at the token; `optional` verifies a token if one is sent (a bad token
 * is a 401, never silently anonymous); `required` needs a valid access token; `authors` also needs
 * the configured authors group (`AUTH_AUTHORS_GROUP`; 403 otherwise).
 */

export type AuthMode = 'public' | 'optional' | 'required' | 'authors';

/** aws-jwt-verify's own fetcher refuses http:, which only a loopback issuer may use (checked in the config). */
const globalFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`JWKS request to ${uri} failed with ${response.status}`);
    return response.arrayBuffer();
  },
};

/**
 * The issuer's signing keys could not be fetched (network, timeout, an error status): that says
 * nothing about the token, so it is a 503 with Retry-After, never a 401 that would send the page
 * off to refresh and sign the learner out over an outage.
 */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

/**
 * For a token the trusted issuer has just minted (sign-in, refresh): the keys to check it are not
 * to be had right now — unreachable, or a key id the fetched set does not hold yet or the cache will
 * not look up again for a few seconds (aws-jwt-verify's wait after an unknown key id), as during the
 * issuer's key rollover. Not for tokens from callers: an unknown key id there is the token's fault.
 */
export const keysNotReady = (error: unknown) => error instanceof KeysUnavailable || error instanceof KidNotFoundInJwksError || error instanceof WaitPeriodNotYetEndedJwkError;

const keysFrom = (fetcher: Fetcher): Fetcher => ({
  async fetch(...request: Parameters<Fetcher['fetch']>) {
    try {
      return await fetcher.fetch(...request);
    } catch (error) {
      throw new KeysUnavailable(`the issuer's keys could not be fetched: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
});

const REALM = 'rungs';

const keysUnavailable = () =>
  problem(503, 'Service Unavailable', { type: 'keys-unavailable', detail: "The sign-in service's keys could not be read to check the token; try again shortly.", headers: { 'Retry-After': '2' } });

function unauthorized(description?: string) {
  // RFC 6750 §3.1: without credentials, no error code; with bad ones, error="invalid_token".
  const challenge = description ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` : `Bearer realm="${REALM}"`;
  return problem(401, 'Unauthorized', {
    type: 'unauthorized',
    detail: description ? `The access token was rejected: ${description}.` : 'This route needs a bearer access token.',
    headers: { 'WWW-Authenticate': challenge },
  });
}

/**
 * Access tokens only. An ID token is signed by the same issuer for the same client, so signature,
 * issuer and audience alone would accept it. A token qualifies when it carries `token_use` equal to
 * the configured value (Cognito), or otherwise has the RFC 9068 header `typ: at+jwt`.
 */
export function accessTokenCheck(config: Pick<AuthConfig, 'audience' | 'tokenUse'>, clock: () => number = Date.now) {
  return ({ header, payload }: { header: JwtHeader; payload: JwtPayload }) => {
    // RFC 9068 §2.2: exp and iat are required. aws-jwt-verify checks exp only when it is present.
    if (typeof payload.exp !== 'number') throw new Error('token has no expiry (exp)');
    if (typeof payload.iat !== 'number') throw new Error('token has no issue time (iat)');
    // A token "issued" in the future was minted with a wrong clock or on purpose to outlive revocation.
    if (payload.iat > clock() / 1000 + MAX_CLOCK_SKEW_SECONDS) throw new Error('token issued in the future (iat)');
    if (payload.token_use !== undefined) {
      if (payload.token_use !== config.tokenUse) throw new Error(`token_use must be "${config.tokenUse}"`);
    } else {
      const typ = String(header.typ ?? '').toLowerCase();
      if (typ !== 'at+jwt' && typ !== 'application/at+jwt') throw new Error('not an access token (typ must be at+jwt)');
    }
    // Cognito access tokens name their client in client_id and carry no aud; RFC 9068 tokens use aud.
    const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const audienceOk = aud.length > 0 ? aud.includes(config.audience) : payload.client_id === config.audience;
    if (!audienceOk) throw new Error('token is not meant for this client (audience)');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no subject');
  };
}

/** Clock difference tolerated between the issuer and this function when reading `iat`. */
export const MAX_CLOCK_SKEW_SECONDS = 60;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Checks aws-jwt-verify leaves to the caller, run on the raw token before its signature is verified:
 * - every part is canonical base64url (RFC 7515 §2: no padding, and re-encoding the decoded bytes
 *   gives the same text, so a last character with non-zero unused bits is refused): a token has
 *   exactly one spelling, which keeps deny lists, caches and logs honest;
 * - the header names no critical extension (RFC 7515 §4.1.11: a recipient must refuse a `crit` it
 *   does not understand, and this API understands none).
 */
export function assertCanonicalJwt(token: string): void {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('a JWT has three parts');
  for (const part of parts) {
    if (!BASE64URL.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) throw new Error('non-canonical base64url');
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    throw new Error('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || 'crit' in header) throw new Error('unsupported critical header parameter (crit)');
}

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];

export function identityOf(payload: JwtPayload, config: Pick<AuthConfig, 'groupsClaim'>): Identity {
  const groups = new Set([...stringList(payload['cognito:groups']), ...stringList(payload[config.groupsClaim])]);
  const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : undefined;
  return { sub: String(payload.sub), groups: [...groups], scopes: stringList(payload.scope), issuedAt: Number(payload.iat), ...(authTime !== undefined ? { authTime } : {}) };
}

export function createTokenVerifier(config: AuthConfig) {
  const fetcher = keysFrom(config.jwksUri.startsWith('http:') ? globalFetcher : new SimpleFetcher());
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      jwksUri: config.jwksUri,
      // Checked in accessTokenCheck, which also knows Cognito's client_id form.
      audience: null,
      customJwtCheck: accessTokenCheck(config),
    },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );
  return async (token: string): Promise<Identity> => {
    assertCanonicalJwt(token);
    return identityOf(await verifier.verify(token), config);
  };
}

const bearer = (headers: Record<string, string | undefined>): string | undefined | null => {
  const value = headers.authorization ?? headers.Authorization;
  if (value === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(value.trim());
  return match ? match[1]! : null;
};

function rejection(error: unknown): string {
  if (error instanceof JwtExpiredError) return 'token expired';
  if (error instanceof JwtNotBeforeError) return 'token not yet valid';
  // Never echo the token or library internals; the kind of failure is enough for a client.
  return 'invalid token';
}

/**
 * RFC 9470 step-up: the sign-in behind the token is too old (or its time unknown) for this route.
 * A token without `auth_time` counts as not recent, so the rule holds whatever the issuer puts in.
 */
export function insufficientAuthentication(maxAgeSeconds: number) {
  return problem(401, 'Unauthorized', {
    type: 'insufficient-user-authentication',
    detail: `This action needs a sign-in from the last ${maxAgeSeconds / 60} minutes: sign in again to continue.`,
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_user_authentication", error_description="a more recent sign-in is required", max_age=${maxAgeSeconds}` },
    extensions: { maxAge: maxAgeSeconds },
  });
}

/** The caller's tokens were revoked ("sign out everywhere", account deleted) after this one was issued. */
export const sessionEnded = () => unauthorized('session ended');

export function authenticate(
  mode: AuthMode,
  options: { config?: AuthConfig; verify?: (token: string) => Promise<Identity>; maxAuthAgeSeconds?: number; clock?: () => number } = {},
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  // Public routes never read the Authorization header (middy wants at least one phase).
  if (mode === 'public') return { before: () => undefined };
  // Resolved when the handler is built, i.e. at cold start: a half-configured function fails to start.
  const config = options.config ?? authConfigFromEnv();
  const verify = options.verify ?? createTokenVerifier(config);
  return {
    before: async (request) => {
      const token = bearer(request.event.headers ?? {});
      if (token === undefined) {
        if (mode === 'optional') return;
        throw unauthorized();
      }
      if (token === null) throw unauthorized('malformed Authorization header');
      let caller: Identity;
      try {
        caller = await verify(token);
      } catch (error) {
        if (error instanceof KeysUnavailable) throw keysUnavailable();
        countMetric('TokenRejected');
        throw unauthorized(rejection(error));
      }
      if (mode === 'authors' && !caller.groups.includes(config.authorsGroup)) {
        throw problem(403, 'Forbidden', {
          type: 'forbidden',
          detail: `This route is for members of the "${config.authorsGroup}" group.`,
          headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope"` },
        });
      }
      if (options.maxAuthAgeSeconds !== undefined) {
        const age = caller.authTime === undefined ? Infinity : (options.clock ?? Date.now)() / 1000 - caller.authTime;
        // A sign-in "in the future" (beyond the clock skew) is no evidence of a recent one.
        if (!(age <= options.maxAuthAgeSeconds && age >= -MAX_CLOCK_SKEW_SECONDS)) throw insufficientAuthentication(options.maxAuthAgeSeconds);
      }
      request.context.caller = caller;
    },
  };
}

/** The signed-in caller; for handlers behind `required` or a group. */
export function callerOf(context: ApiContext): Identity {
  if (!context.caller) throw unauthorized();
  return context.caller;
}
