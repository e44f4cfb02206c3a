import type { MiddlewareObj } from '@middy/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from './observability';
import { problem } from './problem';
import { defaultOriginSecrets, type OriginSecrets } from './origin-secrets';
import type { ApiContext } from './request-context';

/** The header CloudFront adds to every request it forwards to the API (lib/constructs/site.ts). */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

const digest = (value: string) => createHash('sha256').update(value).digest();
/** Constant-time comparison (of digests, so unequal lengths leak nothing either). */
const matchesAny = (header: string, accepted: readonly string[]) => accepted.some((value) => timingSafeEqual(digest(header), digest(value)));

/**
 * Refuses with 403, before authentication, rate limiting or the handler run, every request that does
 * not carry a current origin-verify value: the API's own `execute-api` URL answers nothing useful, so
 * the edge WAF and CloudFront cannot be bypassed. Marks passing requests `context.originVerified`,
 * which is what lets `clientIp()` trust `CloudFront-Viewer-Address`.
 *
 * Without a configured secret (the local platform) every request passes and nothing is marked.
 * Order: after `problemDetails()` (renders the 403) and `observability()` (so refusals are logged),
 * before everything else. Pairs with: `origin-secrets.ts` (cache and rotation rules).
 */
export function originVerify(
  secrets: () => OriginSecrets | undefined = defaultOriginSecrets,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  return {
    before: async (request) => {
      const source = secrets();
      if (!source) return;
      const header = request.event.headers?.[ORIGIN_VERIFY_HEADER];
      const refuse = () =>
        problem(403, 'Forbidden', { type: 'origin-not-verified', detail: 'Call the API through the site, not its own endpoint.' });
      if (!header) throw refuse();
      let accepted: readonly string[];
      try {
        accepted = await source.accepted();
      } catch (error) {
        logger.error('the origin-verify secret could not be read', { error: error as Error });
        throw problem(503, 'Service Unavailable', {
          type: 'origin-check-unavailable',
          detail: 'The request could not be checked; try again shortly.',
          headers: { 'Retry-After': '5' },
        });
      }
      if (!matchesAny(header, accepted)) {
        // Maybe a rotation started since the values were cached: look once more, rate-limited.
        const reloaded = await source.reloadAfterMiss().catch(() => undefined);
        if (!reloaded || !matchesAny(header, reloaded)) throw refuse();
      }
      request.context.originVerified = true;
    },
  };
}
