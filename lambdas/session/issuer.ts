import * as z from '../domain/zod';
import type { SessionConfig } from './config';

/**
 * The issuer's OAuth endpoints as the session routes use them: the code exchange and the refresh
 * (token endpoint) and RFC 7009 revocation. Every call has a 3 s timeout and no retry: a refresh that
 * is resent after the issuer rotated the token would look like reuse and end the session.
 */
const TIMEOUT_MS = 3000;

export const tokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.optional(z.string().check(z.minLength(1))),
  expires_in: z.optional(z.number().check(z.int(), z.positive())),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * The issuer answered the request with an OAuth error (4xx). Only `invalid_grant` says the refresh
 * token or code is dead (used, revoked, expired); any other code (throttling, a client or request
 * problem) says nothing about the session.
 */
export class GrantRefused extends Error {
  override readonly name = 'GrantRefused';
  constructor(readonly code: string) {
    super(code);
  }
  get deadGrant(): boolean {
    return this.code === 'invalid_grant';
  }
}
/** The issuer did not answer usefully (network, timeout, 5xx): nothing is known to have changed. */
export class IssuerUnavailable extends Error {
  override readonly name = 'IssuerUnavailable';
}

async function post(url: string, form: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new IssuerUnavailable(`the issuer did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function tokenRequest(config: SessionConfig, form: Record<string, string>): Promise<TokenResponse> {
  const response = await post(config.tokenEndpoint, { client_id: config.clientId, ...form });
  if (response.status >= 500) throw new IssuerUnavailable(`the issuer answered ${response.status}`);
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new GrantRefused(typeof body.error === 'string' ? body.error : `status ${response.status}`);
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) throw new IssuerUnavailable('the issuer answered without an access token');
  return parsed.data;
}

export const exchangeCode = (config: SessionConfig, input: { code: string; codeVerifier: string; redirectUri: string }) =>
  tokenRequest(config, { grant_type: 'authorization_code', code: input.code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri });

export const refreshTokens = (config: SessionConfig, refreshToken: string) => tokenRequest(config, { grant_type: 'refresh_token', refresh_token: refreshToken });

/** Revokes a refresh token at the issuer (its whole grant at oidc-provider). Best effort: failures are returned, not thrown. */
export async function revokeRefreshToken(config: SessionConfig, refreshToken: string): Promise<boolean> {
  try {
    const response = await post(config.revocationEndpoint, { client_id: config.clientId, token: refreshToken, token_type_hint: 'refresh_token' });
    return response.ok;
  } catch {
    return false;
  }
}
