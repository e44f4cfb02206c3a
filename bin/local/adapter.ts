import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Turns a Node HTTP request into the API Gateway v2 (payload format 2.0) event a Lambda receives,
 * and the handler's result back into an HTTP response, as API Gateway would.
 */

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

const textTypes = /^(text\/|application\/(json|problem\+json|x-www-form-urlencoded|javascript|xml))/;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function buildEvent(
  req: IncomingMessage,
  body: Buffer,
  route: { method: string; template: string; params: Record<string, string> },
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const isText = body.length === 0 || textTypes.test(headers['content-type'] ?? 'text/plain');
  const routeKey = `${route.method} ${route.template}`;
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);

  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(route.params).length ? { pathParameters: route.params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: { method: route.method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

export function lambdaContext(functionName: string, timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  const fail = () => {
    throw new Error('callback-style Lambda context methods are not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

/** Writes a handler result the way API Gateway's payload 2.0 does, including its inference rules. */
export function writeResult(res: ServerResponse, result: unknown): void {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  for (const [name, value] of Object.entries(structured.headers ?? {})) res.setHeader(name, String(value));
  if (structured.cookies?.length) res.setHeader('set-cookie', structured.cookies);
  res.statusCode = structured.statusCode ?? 200;
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/**
 * About API Gateway HTTP API's documented quota: 10,240 bytes for the request line and header values
 * together. Node counts the whole header block (names included), so this is a close stand-in, not
 * the same byte count.
 */
export const MAX_HEADER_BYTES = 10_240;

/**
 * The answer to a request the HTTP parser refused before any handler saw it. Node's default is a
 * bare status line; the API answers every refusal as problem+json, and a refused bearer token with a
 * `WWW-Authenticate` challenge (RFC 6750), so the local platform does the same for over-long headers
 * (a 100 KB token, say): 431 `/problems/request-header-fields-too-large`, plus
 * `WWW-Authenticate: Bearer error="invalid_request"` when the request carried an Authorization header.
 */
export function answerClientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const title = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request';
  const head = error.rawPacket?.toString('latin1') ?? '';
  const path = /^[A-Z]+ (\S+)/.exec(head)?.[1]?.split('?')[0] ?? '/';
  const withToken = /\r\nauthorization:/i.test(head);
  const body = JSON.stringify({
    type: tooLarge ? '/problems/request-header-fields-too-large' : '/problems/bad-request',
    title,
    status,
    detail: tooLarge ? `The request line and headers must stay under ${MAX_HEADER_BYTES} bytes.` : 'The request could not be parsed.',
    instance: path,
  });
  const headers = [
    `HTTP/1.1 ${status} ${title}`,
    'Content-Type: application/problem+json',
    'Cache-Control: no-store',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...(withToken ? ['WWW-Authenticate: Bearer error="invalid_request", error_description="request headers too large"'] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
