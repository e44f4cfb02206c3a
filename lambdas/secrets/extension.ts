/**
 * Secrets read through the AWS Parameters and Secrets Lambda Extension (an AWS layer on every function
 * that reads a secret, lib/constructs/api.ts): one local HTTP GET instead of loading the Secrets Manager
 * SDK client into the function, which cost about 18 ms of CPU at every cold start. The extension calls
 * GetSecretValue with the function's own role, so the IAM grants are the same as for the SDK call.
 *
 * The extension's own cache is switched off by the stack (PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED):
 * each caller here keeps its own cache with its own documented lifetime, and a reload after a miss
 * (origin-secrets.ts) must reach Secrets Manager, not a copy held for another five minutes.
 */

/** Secrets Manager's answer to GetSecretValue, as the extension returns it (the fields read here). */
interface SecretValue {
  SecretString?: string;
}

export class SecretUnavailable extends Error {
  override readonly name = 'SecretUnavailable';
}

export interface ReadOptions {
  /** `AWSCURRENT` when omitted. */
  versionStage?: string;
  /** Bound of the whole call, headers and body: a slow read must not hold the request. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The extension's address inside the execution environment (its port is configurable). */
export function extensionUrl(secretId: string, versionStage: string | undefined, env: NodeJS.ProcessEnv = process.env): URL {
  const port = Number(env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773);
  const url = new URL(`http://localhost:${Number.isInteger(port) && port > 0 ? port : 2773}/secretsmanager/get`);
  url.searchParams.set('secretId', secretId);
  if (versionStage) url.searchParams.set('versionStage', versionStage);
  return url;
}

/**
 * The secret's string value at one version stage. Throws SecretUnavailable when the stage does not
 * exist, the secret is binary or empty, the extension refuses (for example a missing grant), or the
 * call exceeds `timeoutMs`; the message says which.
 */
export async function readSecretString(secretId: string, { versionStage, timeoutMs = 2000, env = process.env }: ReadOptions = {}): Promise<string> {
  const token = env.AWS_SESSION_TOKEN;
  if (!token) throw new SecretUnavailable('no AWS_SESSION_TOKEN: the secrets extension only answers inside Lambda');
  const stage = versionStage ?? 'AWSCURRENT';
  let response: Response;
  let body: string;
  try {
    response = await fetch(extensionUrl(secretId, versionStage, env), {
      headers: { 'X-Aws-Parameters-Secrets-Token': token },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    throw new SecretUnavailable(`reading ${stage} through the secrets extension failed: ${(error as Error).message}`);
  }
  if (!response.ok) throw new SecretUnavailable(`the secrets extension answered ${response.status} for ${stage}: ${body.slice(0, 200)}`);
  let value: SecretValue;
  try {
    value = JSON.parse(body) as SecretValue;
  } catch {
    throw new SecretUnavailable(`the secrets extension answered ${stage} with a body that is not JSON`);
  }
  if (typeof value.SecretString !== 'string' || value.SecretString.length === 0) throw new SecretUnavailable(`${stage} has no string value`);
  return value.SecretString;
}
