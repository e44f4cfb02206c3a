import type { Context } from 'aws-lambda';

/**
 * What the middleware chain learns about a request and hands to the handler, on middy's context.
 * Authentication fills `caller`; the rate limiter reads it (or `clientIp` for anonymous callers).
 */
export interface Identity {
  /** The verified `sub` claim: the only identity the platform uses (never the email). */
  sub: string;
  groups: string[];
  scopes: string[];
}

export interface ApiContext extends Context {
  caller?: Identity;
  clientIp?: string;
  /** Set by `originVerify()` when the request carried a current origin-verify value (came through CloudFront). */
  originVerified?: boolean;
}
