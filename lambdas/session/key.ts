import { hkdfSync } from 'node:crypto';
import { readSecretString } from '../secrets/extension';
import type { SessionConfig } from './config';

/**
 * Server keys: the session cookie key and the receipt key of anonymous answers. Locally each is
 * generated per platform run and passed inline (`SESSION_KEY`, `RECEIPT_KEY`); in AWS each is derived
 * (HKDF-SHA256) from a generated Secrets Manager secret of its own, read once per cold start through
 * the secrets extension (lambdas/secrets/extension.ts), so no
 * key is in the template or a function's environment, and each function can read only its secret.
 */
export type KeySource = { kind: 'inline'; value: string } | { kind: 'secret'; arn: string };

const cache = new Map<string, Promise<Buffer>>();

function keyFrom(source: KeySource, info: string): Promise<Buffer> {
  const id = info + (source.kind === 'inline' ? '' : source.arn);
  const pending =
    cache.get(id) ??
    load(source, info).catch((error: unknown) => {
      cache.delete(id); // a failed read is retried by the next request, not remembered
      throw error;
    });
  cache.set(id, pending);
  return pending;
}

async function load(source: KeySource, info: string): Promise<Buffer> {
  if (source.kind === 'inline') return Buffer.from(source.value, 'base64url');
  // Bounded: a cold start that cannot read the secret in a few seconds answers 503 rather than hang.
  const secret = await readSecretString(source.arn, { timeoutMs: 3000 });
  return Buffer.from(hkdfSync('sha256', secret, 'rungs', info, 32));
}

export const sessionKey = (config: SessionConfig): Promise<Buffer> => keyFrom(config.key, 'session-cookie-v1');

/** Where the receipt key comes from; a function that grades anonymous answers refuses to start without one. */
export function receiptKeySource(env: NodeJS.ProcessEnv = process.env): KeySource {
  const inline = env.RECEIPT_KEY?.trim();
  const arn = env.RECEIPT_KEY_SECRET_ARN?.trim();
  if (inline && Buffer.from(inline, 'base64url').length === 32) return { kind: 'inline', value: inline };
  if (!inline && arn) return { kind: 'secret', arn };
  throw new Error('RECEIPT_KEY (32 bytes, base64url) or RECEIPT_KEY_SECRET_ARN is required (docs/api.md "Anonymous work")');
}

export const receiptKey = (source: KeySource): Promise<Buffer> => keyFrom(source, 'attempt-receipt-v1');
