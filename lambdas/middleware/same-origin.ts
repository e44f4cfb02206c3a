import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problem } from './problem';
import type { ApiContext } from './request-context';

/**
 * CSRF defence of the routes that act on the session cookie (`sameOrigin` in the route table). A
 * request passes only when both hold:
 * - the browser says it comes from this origin: `Sec-Fetch-Site: same-origin` (Fetch Metadata, sent
 *   by every browser the site supports); a request without it, or with an `Origin` from elsewhere,
 *   is refused;
 * - it is not a "simple" request: its body is `application/json`, which a cross-site form or
 *   `no-cors` fetch cannot send without a CORS preflight, and the API answers no preflight.
 * SameSite=Strict on the cookie is a third, independent layer.
 *
 * Order: before authentication, so a cross-site request is refused before anything reads a token.
 */
export function sameOrigin(allowedOrigins: readonly string[] = []): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  return {
    before: (request) => {
      const headers = request.event.headers ?? {};
      const site = headers['sec-fetch-site'];
      const origin = headers.origin;
      const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const reasons = [
        site !== 'same-origin' && 'the request does not come from this site (Sec-Fetch-Site)',
        origin !== undefined && allowedOrigins.length > 0 && !allowedOrigins.includes(origin) && 'the request comes from another origin',
        type !== 'application/json' && 'the body must be application/json',
      ].filter((r): r is string => typeof r === 'string');
      if (reasons.length) throw problem(403, 'Forbidden', { type: 'cross-site-request', detail: `Refused: ${reasons.join('; ')}.` });
    },
  };
}
