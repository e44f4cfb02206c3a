import { hkdfSync } from 'node:crypto';
import type { SessionConfig } from './config';

/**
 * The cookie key. Locally it is generated per platform run and passed inline (`SESSION_KEY`); in AWS
 * it is derived (HKDF-SHA256) from a generated Secrets Manager secret, read once per cold start, so
 * the key is in neither the template nor the function's environment.
 */
let cached: Promise<Buffer> | undefined;

export function sessionKey(config: SessionConfig): Promise<Buffer> {
  cached ??= load(config).catch((error: unknown) => {
    cached = undefined; // a failed read is retried by the next request, not remembered
    throw error;
  });
  return cached;
}

async function load(config: SessionConfig): Promise<Buffer> {
  if (config.key.kind === 'inline') return Buffer.from(config.key.value, 'base64url');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  // Bounded: a cold start that cannot read the secret in a few seconds answers 503 rather than hang.
  const client = new SecretsManagerClient({ maxAttempts: 2, requestHandler: { requestTimeout: 2000, connectionTimeout: 1000 } });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.key.arn }));
  if (!SecretString) throw new Error('the session key secret is empty');
  return Buffer.from(hkdfSync('sha256', SecretString, 'rungs', 'session-cookie-v1', 32));
}
