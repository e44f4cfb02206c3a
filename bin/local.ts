import { PlatformError } from './local/errors';
import { startPlatform } from './local/platform';
import { removeLocalState, writeLocalState } from './local/state';

/**
 * `npm start`: the whole platform on this machine. Options come from the environment:
 *   PORT          port of the site and API (default 3000)
 *   RUNGS_DATA    folder to keep DynamoDB Local's data in (default: in memory)
 */
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`rungs: PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}

try {
  const platform = await startPlatform({
    port,
    watch: true,
    ...(process.env.RUNGS_DATA ? { dataDir: process.env.RUNGS_DATA } : {}),
    log: (line) => console.log(`rungs: ${line}`),
  });
  // Tells `content publish --local` / `check --against local` where this platform listens.
  if (platform.s3) {
    await writeLocalState({ url: platform.url, pid: process.pid, s3Endpoint: platform.s3.endpoint, contentBucket: platform.s3.bucket, dynamoEndpoint: platform.dynamo.endpoint, tableName: platform.tableName });
  }
  console.log(`rungs: ready at ${platform.url} (Ctrl-C to stop)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`rungs: ${signal} received, stopping`);
    await removeLocalState();
    await platform.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof PlatformError) {
    console.error(`rungs: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
