/**
 * No inline script or style anywhere; the browser talks to this origin and the identity provider only.
 * CloudFront sends it on every response; the local platform sends it on its pages too (without
 * `upgrade-insecure-requests`, which would turn its plain-http requests into https ones), so the
 * browser tests run under the same rules as production.
 */
export function contentSecurityPolicy(connectOrigins: string[], options: { upgradeInsecureRequests?: boolean } = {}): string {
  const connect = ["'self'", ...connectOrigins];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...((options.upgradeInsecureRequests ?? true) ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}
