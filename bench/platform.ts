import { spawn } from 'node:child_process';
import { freePort } from '../bin/local/dynamodb';
import { repoRoot } from '../lib/paths';

/**
 * Cold start of the local platform: from spawning `bin/local.ts` (what `npm start` runs) to the
 * first `/api/catalog` answer that lists lessons. Includes Java, DynamoDB Local, table creation and
 * the ingest of content/.
 */
export async function measureColdStart(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error('the local platform exited before it answered');
      if (performance.now() - started > 60_000) throw new Error('the local platform did not answer within 60 s');
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/catalog`);
        if (response.ok) {
          const body = (await response.json()) as { tracks: unknown[] };
          if (body.tracks.length > 0) return performance.now() - started;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}
