import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from '../domain/zod';

/**
 * The session cookie: the issuer's refresh token and the session's bookkeeping, sealed with
 * AES-256-GCM, so page script never sees the refresh token (HttpOnly) and nobody can read or alter
 * it without the key (the cookie name is bound in as additional data).
 *
 * Attributes: `__Host-` (Secure, Path=/, no Domain: only this origin can set or receive it),
 * `HttpOnly`, `Secure`, `SameSite=Strict` (every request that carries it is a same-origin fetch from
 * the site; the issuer's redirect back lands on a page, not on a cookie route, so Strict costs nothing).
 * `__Host-` requires `Path=/`, so the cookie cannot be scoped to `/api/auth/`; the CloudFront origin
 * request policy forwards it to `/api/*` only, and only the auth routes read it.
 */
export const SESSION_COOKIE = '__Host-rungs-session';

export const sessionCookieSchema = z.object({
  /** The issuer's current refresh token. */
  rt: z.string().check(z.minLength(1)),
  sub: z.string().check(z.minLength(1)),
  /** Session family id: every rotation of one sign-in shares it. */
  fid: z.string().check(z.minLength(1)),
  /** Rotation generation; the family's record in the table holds the current one. */
  gen: z.number().check(z.int(), z.positive()),
  /** Epoch seconds of the sign-in and of the last refresh. */
  started: z.number().check(z.int()),
  seen: z.number().check(z.int()),
});
export type SessionCookie = z.infer<typeof sessionCookieSchema>;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals any JSON value with AES-256-GCM under `key`; `purpose` is bound in as additional data, so a value sealed for one purpose never opens as another. */
export function sealValue(key: Buffer, purpose: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed value, or undefined for anything not sealed with this key for this purpose, or not of the schema's shape. */
export function openValue<T>(key: Buffer, purpose: string, sealed: string, schema: { parse(value: unknown): T }): T | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    return schema.parse(JSON.parse(plain.toString('utf8')));
  } catch {
    return undefined;
  }
}

export const seal = (key: Buffer, value: SessionCookie): string => sealValue(key, SESSION_COOKIE, value);

/** The cookie's content, or undefined for anything not sealed with this key (tampered, old key, garbage). */
export const open = (key: Buffer, sealed: string): SessionCookie | undefined => openValue(key, SESSION_COOKIE, sealed, sessionCookieSchema);

const ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Strict';

/** Set-Cookie for a live session; the browser keeps it for the inactivity window, renewed on every refresh. */
export const setSessionCookie = (sealed: string, maxAgeSeconds: number) => `${SESSION_COOKIE}=${sealed}; ${ATTRIBUTES}; Max-Age=${maxAgeSeconds}`;
export const clearSessionCookie = () => `${SESSION_COOKIE}=; ${ATTRIBUTES}; Max-Age=0`;

/** The session cookie's value from an API Gateway v2 event's `cookies` (payload 2.0 moves them out of the headers). */
export function sessionCookieOf(event: { cookies?: string[] }): string | undefined {
  const pairs = event.cookies ?? [];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === SESSION_COOKIE) return pair.slice(at + 1).trim() || undefined;
  }
  return undefined;
}
