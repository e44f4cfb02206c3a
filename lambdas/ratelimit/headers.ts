import type { PolicyState } from './gcra';

/**
 * Response fields of the IETF httpapi draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers-11; see docs/rate-limiting.md): both are Structured Field
 * Lists with one member per policy, named by a String.
 *   RateLimit-Policy: "burst";q=300;qu="units";w=60, "daily";q=20000;qu="units";w=86400
 *   RateLimit: "burst";r=299;t=1, "daily";r=19999;t=5
 * `q` quota, `qu` quota unit (sent only for a policy counted in weighted units; the default is
 * requests), `w` window in seconds; `r` remaining units, `t` seconds until more quota is available
 * (the next unit comes back; 0 when the quota is full).
 */
export function rateLimitPolicyField(states: readonly PolicyState[]): string {
  return states
    .map(({ policy }) => `"${policy.name}";q=${policy.limit}${policy.unit === 'units' ? ';qu="units"' : ''};w=${policy.periodSeconds}`)
    .join(', ');
}

export function rateLimitField(states: readonly PolicyState[]): string {
  return states.map(({ policy, remaining, resetSeconds }) => `"${policy.name}";r=${remaining};t=${resetSeconds}`).join(', ');
}

/** Retry-After in whole seconds, rounded up so a client that obeys it is never early. */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Both fields. `current` limits the RateLimit field to some policies (a 429 names only the violated
 * one, so that Retry-After is never earlier than any `t` it carries); RateLimit-Policy always lists all.
 */
export function rateLimitHeaders(states: readonly PolicyState[], current: readonly PolicyState[] = states): Record<string, string> {
  return { 'RateLimit-Policy': rateLimitPolicyField(states), RateLimit: rateLimitField(current) };
}
