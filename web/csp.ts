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

/**
 * For `/figures/*`: a picture needs nothing but itself. Opened on its own (not through `<img>`, where
 * browsers already run no script), an SVG is a document; `sandbox` makes it one with no script, no
 * navigation (a meta refresh included), no forms and an opaque origin, and `default-src 'none'`
 * lets it load nothing. The SVG check refuses all of that in the file too; this is the second wall.
 */
export function figureContentSecurityPolicy(): string {
  return ["default-src 'none'", "img-src 'self' data:", "style-src 'self'", 'sandbox', "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');
}
