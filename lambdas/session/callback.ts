/**
 * Where the identity provider sends the browser back with the code. A trailing slash, so CloudFront's
 * index rewrite serves `auth/callback/index.html` like any page; the Cognito client, the local issuer,
 * the site's config.json and the session route's redirect check all take it from here. A module of
 * its own with nothing else in it: the auth function imports it without the rendering layer (Markdown,
 * YAML, highlighting: two thirds of its bundle before, issue 10).
 */
export const CALLBACK_PATH = '/auth/callback/';
