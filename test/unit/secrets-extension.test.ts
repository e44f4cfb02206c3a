import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOriginSecretValues } from '../../lambdas/middleware/origin-secret-values';
import { readSecretString, SecretUnavailable } from '../../lambdas/secrets/extension';

/**
 * A stand-in for the Parameters and Secrets extension's HTTP endpoint inside Lambda: it answers
 * GET /secretsmanager/get?secretId=…&versionStage=… with GetSecretValue's JSON, refuses a request
 * without the session-token header (as the extension does), answers 400 for a stage that does not
 * exist, and can hold a body to prove the read is bounded.
 */
const TOKEN = 'session-token-of-the-function';
const stages = new Map<string, Map<string, string>>();
const seen: IncomingMessage[] = [];
let holdBodyMs = 0;
let server: Server;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const url = new URL(req.url!, 'http://localhost');
    if (url.pathname !== '/secretsmanager/get') return void res.writeHead(404).end('not found');
    if (req.headers['x-aws-parameters-secrets-token'] !== TOKEN) return void res.writeHead(401).end('missing or wrong token');
    const stage = url.searchParams.get('versionStage') ?? 'AWSCURRENT';
    const value = stages.get(url.searchParams.get('secretId')!)?.get(stage);
    if (value === undefined) return void res.writeHead(400).end(`ResourceNotFoundException: no version with stage ${stage}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"Name":"origin","SecretString":');
    setTimeout(() => res.end(`${JSON.stringify(value)},"VersionStages":["${stage}"]}`), holdBodyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = { AWS_SESSION_TOKEN: TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((server.address() as AddressInfo).port) };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('reading a secret through the Lambda secrets extension', () => {
  it('asks for the named stage with the function session token and returns the string value', async () => {
    // Prepare
    stages.set('arn:origin', new Map([['AWSCURRENT', 'current-value'], ['AWSPREVIOUS', 'previous-value']]));
    seen.length = 0;

    // Act
    const current = await readSecretString('arn:origin', { env });
    const previous = await readSecretString('arn:origin', { versionStage: 'AWSPREVIOUS', env });

    // Assess
    expect([current, previous]).toEqual(['current-value', 'previous-value']);
    expect(seen.map((r) => new URL(r.url!, 'http://x').search)).toEqual(['?secretId=arn%3Aorigin', '?secretId=arn%3Aorigin&versionStage=AWSPREVIOUS']);
  });

  it('says which stage failed and what the extension answered when the stage does not exist', async () => {
    // Prepare
    stages.set('arn:origin', new Map([['AWSCURRENT', 'current-value']]));

    // Act
    const read = readSecretString('arn:origin', { versionStage: 'AWSPENDING', env });

    // Assess
    await expect(read).rejects.toThrow(SecretUnavailable);
    await expect(read).rejects.toThrow(/400 for AWSPENDING: ResourceNotFoundException/);
  });

  it('bounds the whole call, body included, by its timeout', async () => {
    // Prepare: headers on time, the body held for 2 s
    stages.set('arn:slow', new Map([['AWSCURRENT', 'late']]));
    holdBodyMs = 2_000;
    const started = Date.now();

    // Act
    const read = readSecretString('arn:slow', { timeoutMs: 200, env });

    // Assess
    await expect(read).rejects.toThrow(/failed: .*(abort|timeout)/i);
    expect(Date.now() - started).toBeLessThan(1_500);
    holdBodyMs = 0;
  });

  it('refuses outside Lambda (no session token) without calling anything', async () => {
    // Prepare
    seen.length = 0;

    // Act
    const read = readSecretString('arn:origin', { env: { ...env, AWS_SESSION_TOKEN: undefined } });

    // Assess
    await expect(read).rejects.toThrow(/AWS_SESSION_TOKEN/);
    expect(seen).toHaveLength(0);
  });

  it('is refused by the extension with a wrong token, and reports it', async () => {
    // Act
    const read = readSecretString('arn:origin', { env: { ...env, AWS_SESSION_TOKEN: 'someone-else' } });

    // Assess
    await expect(read).rejects.toThrow(/answered 401/);
  });
});

describe('the origin-verify values the API accepts', () => {
  it('are the current, pending and previous values, skipping a stage that does not exist', async () => {
    // Prepare: mid-rotation without a pending version
    stages.set('arn:origin', new Map([['AWSCURRENT', 'new'], ['AWSPREVIOUS', 'old']]));

    // Act
    const values = await loadOriginSecretValues('arn:origin', env);

    // Assess
    expect(values).toEqual(['new', 'old']);
  });

  it('fail when the current value cannot be read, even if another stage can', async () => {
    // Prepare
    stages.set('arn:origin', new Map([['AWSPREVIOUS', 'old']]));

    // Act
    const values = loadOriginSecretValues('arn:origin', env);

    // Assess
    await expect(values).rejects.toThrow(/AWSCURRENT/);
  });
});
