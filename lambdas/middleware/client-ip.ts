import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The client IP as CloudFront saw it. API Gateway's `sourceIp` is the CloudFront edge, so behind the
 * distribution the viewer address comes from the `cloudfront-viewer-address` header — trusted only
 * when `originVerify()` has checked that the request came through CloudFront (`originVerified`),
 * since anyone can call the API's own URL with made-up headers. Otherwise (the local platform) the
 * socket address is used.
 */
export function clientIp(event: APIGatewayProxyEventV2, originVerified: boolean): string {
  const sourceIp = event.requestContext?.http?.sourceIp ?? 'unknown';
  if (!originVerified) return sourceIp;
  const headers = event.headers ?? {};
  const viewer = headers['cloudfront-viewer-address'];
  if (!viewer) return sourceIp;
  // "203.0.113.7:46532" or "[2001:db8::1]:46532" / "2001:db8::1:46532": drop the port.
  const bracketed = /^\[(.+)\]:\d+$/.exec(viewer);
  if (bracketed) return bracketed[1]!;
  const lastColon = viewer.lastIndexOf(':');
  return lastColon > 0 ? viewer.slice(0, lastColon) : viewer;
}

/**
 * The network an anonymous caller is limited as: the IPv4 address itself, or the /64 prefix of an
 * IPv6 address (one host usually owns a whole /64 and could otherwise rotate addresses for fresh quota).
 */
export function rateLimitNetwork(ip: string): string {
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}
