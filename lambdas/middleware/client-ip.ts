import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The client IP as CloudFront saw it. API Gateway's `sourceIp` is the CloudFront edge, so behind the
 * distribution the viewer address comes from the `cloudfront-viewer-address` header — trusted only
 * when the request also carries the origin-verify secret that CloudFront adds (set in the
 * environment as ORIGIN_VERIFY_SECRET), since anyone can call the API's own URL with made-up headers.
 * Without a configured secret (the local platform) the socket address is used.
 */
export function clientIp(event: APIGatewayProxyEventV2, env: NodeJS.ProcessEnv = process.env): string {
  const sourceIp = event.requestContext?.http?.sourceIp ?? 'unknown';
  const secret = env.ORIGIN_VERIFY_SECRET;
  if (!secret) return sourceIp;
  const headers = event.headers ?? {};
  if (headers['x-origin-verify'] !== secret) return sourceIp;
  const viewer = headers['cloudfront-viewer-address'];
  if (!viewer) return sourceIp;
  // "203.0.113.7:46532" or "[2001:db8::1]:46532" / "2001:db8::1:46532": drop the port.
  const bracketed = /^\[(.+)\]:\d+$/.exec(viewer);
  if (bracketed) return bracketed[1]!;
  const lastColon = viewer.lastIndexOf(':');
  return lastColon > 0 ? viewer.slice(0, lastColon) : viewer;
}
