import type { PolicyState } from './gcra';

/**
 * Response fields of the IETF httpapi draft "RateLimit header fields for HTTP": both are Structured
 * Field Lists with one member per policy, named by a String.
 *   RateLimit-Policy: "burst";q=300;w=60, "daily";q=20000;w=86400   (quota and window in seconds)
 *   RateLimit: "burst";r=299;t=1, "daily";r=19999;t=5               (remaining and reset in seconds)
 * `t` is the time until the policy's whole quota is available again (GCRA's TAT minus now).
 */
export function rateLimitPolicyField(states: readonly PolicyState[]): string {
  return states.map(({ policy }) => `"${policy.name}";q=${policy.limit};w=${policy.periodSeconds}`).join(', ');
}

export function rateLimitField(states: readonly PolicyState[]): string {
  return states.map(({ policy, remaining, resetSeconds }) => `"${policy.name}";r=${remaining};t=${resetSeconds}`).join(', ');
}

/** Retry-After in whole seconds, rounded up so a client that obeys it is never early. */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function rateLimitHeaders(states: readonly PolicyState[]): Record<string, string> {
  return { 'RateLimit-Policy': rateLimitPolicyField(states), RateLimit: rateLimitField(states) };
}
