import * as z from '../domain/zod';
import { problem } from '../middleware/problem';
import type { ApiEvent } from './http';

/**
 * Request parsing at the edge: a malformed body is a 400 and a malformed path a 404 (a path that
 * cannot name anything names nothing), never a 5xx.
 */

/** The first five issues, each as `field: message`; `whole` names the input itself (an unknown key, a wrong type). */
const issues = (error: z.core.$ZodError, whole: string) => error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || whole}: ${issue.message}`).join('; ');

export function parseBody<T>(event: ApiEvent, schema: z.ZodMiniType<T>): T {
  let raw: unknown;
  try {
    const text = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    raw = JSON.parse(text ?? '');
  } catch {
    throw problem(400, 'Bad Request', { type: 'invalid-body', detail: 'The body must be JSON.' });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw problem(400, 'Bad Request', { type: 'invalid-body', detail: issues(parsed.error, '(body)') });
  return parsed.data;
}

export function pathParam<T>(event: ApiEvent, name: string, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(event.pathParameters?.[name]);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

export function queryParams<T>(event: ApiEvent, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw problem(400, 'Bad Request', { type: 'invalid-query', detail: issues(parsed.error, '(query)') });
  return parsed.data;
}

export const notFound = (detail = 'No such resource.') => problem(404, 'Not Found', { type: 'not-found', detail });
