import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb';
import { repoRoot } from '../../lib/paths';

/** Runs `bin/local.ts` as `npm start` does, on this test run's Node. */
function startCli(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 45_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`exited early: ${stdout}${stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${stdout}${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return pattern.exec(stdout)!;
  };
  return { child, exited, waitFor, output: () => ({ stdout, stderr }) };
}

const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm start (bin/local.ts)', () => {
  it('prints one clear line and exits 1 when the port is taken', async () => {
    // Prepare
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;

    // Act
    const cli = startCli({ PORT: String(port) });
    const code = await cli.exited;
    blocker.close();

    // Assess
    expect(code).toBe(1);
    expect(cli.output().stderr.trim()).toBe(`rungs: Port ${port} on 127.0.0.1 is already in use: stop whatever holds it or start with PORT=<another port>.`);
  });

  it('prints one clear line and exits 1 when Java is missing', async () => {
    // Prepare: a PATH with nothing on it, so `java` cannot be found
    const emptyDir = mkdtempSync(join(tmpdir(), 'rungs-nojava-'));
    const port = await freePort();

    // Act
    const cli = startCli({ PORT: String(port), PATH: emptyDir });
    const code = await cli.exited;
    rmSync(emptyDir, { recursive: true });

    // Assess
    expect(code).toBe(1);
    const lines = cli.output().stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^rungs: Java was not found on the PATH: DynamoDB Local needs Java 17 or newer/)]);
  });

  it('serves the catalog, then stops DynamoDB Local too on Ctrl-C', async () => {
    // Prepare
    const port = await freePort();
    const cli = startCli({ PORT: String(port) });
    const dynamoPort = Number((await cli.waitFor(/DynamoDB Local on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    await cli.waitFor(/ready at http:\/\/127\.0\.0\.1:\d+/);
    const catalog = await fetch(`http://127.0.0.1:${port}/api/catalog`);
    expect(catalog.status).toBe(200);
    expect(await isListening(dynamoPort)).toBe(true);

    // Act
    cli.child.kill('SIGINT');
    const code = await cli.exited;

    // Assess
    expect(code).toBe(0);
    expect(await isListening(dynamoPort)).toBe(false);
    expect(await isListening(port)).toBe(false);
  }, 90_000);
});
