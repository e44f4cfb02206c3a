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

/** One request as API Gateway sees it after routing; everything but method, path and route is optional. */
export interface ApiRequest {
  method: string;
  /** The matched route's path template, e.g. `/api/lessons/{id}/attempts`. */
  template: string;
  /** The raw request path, e.g. `/api/lessons/x/attempts`. */
  path: string;
  params?: Record<string, string>;
  /** The query string without `?`; a repeated name arrives comma-joined, as at API Gateway. */
  rawQueryString?: string;
  /** Lower-case header names; `cookie` goes in `cookies`. */
  headers?: Record<string, string>;
  cookies?: string[];
  /** A string is sent as text; bytes as text or base64 by their content type, as API Gateway does. */
  body?: string | Buffer;
  sourceIp?: string;
  protocol?: string;
  /** API Gateway's request id (the logs' correlation id); a fresh UUID when omitted. */
  requestId?: string;
}

/** The API Gateway v2 (payload format 2.0) event of one request: the local platform's, the tests' and the benchmarks'. */
export function apiEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const headers = request.headers ?? {};
  const rawQueryString = request.rawQueryString ?? '';
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) query[name] = name in query ? `${query[name]},${value}` : value;
  const params = request.params ?? {};
  const body = request.body;
  const isText = typeof body === 'string' || !body?.length || textTypes.test(headers['content-type'] ?? 'text/plain');
  const routeKey = `${request.method} ${request.template}`;
  const host = headers.host ?? 'localhost';
  const now = new Date();

  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString,
    ...(request.cookies?.length ? { cookies: request.cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? 'localhost',
      http: { method: request.method, path: request.path, protocol: request.protocol ?? 'HTTP/1.1', sourceIp: request.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: request.requestId ?? randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body?.length ? { body: typeof body === 'string' ? body : body.toString(isText ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: !isText,
  };
}

/** The event of a Node HTTP request that matched `route` (the local platform's server). */
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
  return apiEvent({
    method: route.method,
    template: route.template,
    path: url.pathname,
    params: route.params,
    rawQueryString: url.search.slice(1),
    headers,
    cookies: req.headers.cookie?.split(/;\s*/).filter(Boolean),
    body,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
  });
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
