import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/**
 * What the middleware chain learns about a request and hands to the handler, on middy's context.
 * Authentication fills `caller`; the rate limiter reads it (anonymous callers are keyed by client IP);
 * idempotency sets `replay` when a retried write is answered from its stored response. State a
 * middleware keeps for itself (between its own `before` and `after`) sits in `request.internal`.
 */
export interface Identity {
  /** The verified `sub` claim: the only identity the platform uses (never the email). */
  sub: string;
  groups: string[];
  scopes: string[];
  /** The token's `iat` (epoch seconds): "sign out everywhere" refuses tokens issued before it. */
  issuedAt?: number;
  /** The token's `auth_time` (epoch seconds) when it has one: when the learner last signed in. */
  authTime?: number;
}

export interface ApiContext extends Context {
  caller?: Identity;
  /** The stored response of a retried idempotent write: the handler answers with it instead of running. */
  replay?: APIGatewayProxyStructuredResultV2;
  /** Set by `originVerify()` when the request carried a current origin-verify value (came through CloudFront). */
  originVerified?: boolean;
}
