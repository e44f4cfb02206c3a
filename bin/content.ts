import { S3Client } from '@aws-sdk/client-s3';
import { s3Bucket } from './content/s3';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkCommand, contentBucketOfStage, publishCommand, stackOutput, type Uploader } from './content/commands';
import { tableLedgers, type LedgerSource } from './content/ledger';
import { statusCommand, type ReportReader } from './content/verdicts';
import { localS3Client } from './local/s3';
import { readLocalState } from './local/state';
import { createStore } from '../lambdas/store/client';
import { repoRoot } from '../lib/paths';

/**
 * The authoring CLI:
 *   npm run content -- check [--strict] [--against <stage>|local] [--dir <folder>]
 *   npm run content -- publish (--bucket <name> | --stage <stage> | --local) [--delete] [--no-wait] [--timeout <s>] [--dir <folder>]
 *   npm run content -- status (--bucket <name> | --stage <stage> | --local)
 * `--strict` makes anatomy warnings (a lesson missing a hook, a metaphor, its exercises…) errors.
 * `--against` checks item and choice ids against the published id ledgers of a stage's table (or
 * of the running `npm start`), as ingest will.
 * `--stage` reads the bucket (and table) from the outputs of stack Rungs-<stage> with the AWS CLI;
 * `--local` uses the content bucket and table of the running `npm start`.
 * `publish` waits for the platform's verdict on every file it uploaded (default 300 s, `--timeout`).
 */
const usage = [
  'usage: npm run content -- check [--strict] [--against <stage>|local] [--dir <folder>]',
  '       npm run content -- publish (--bucket <name> | --stage <stage> | --local) [--delete] [--no-wait] [--timeout <seconds>] [--dir <folder>]',
  '       npm run content -- status (--bucket <name> | --stage <stage> | --local)',
  '',
].join('\n');
const out = (text: string) => process.stdout.write(text);
const err = (text: string) => process.stderr.write(text);

type Target = { bucket?: string | undefined; stage?: string | undefined; local?: boolean | undefined };

/** The content bucket named by exactly one of --bucket, --stage, --local. */
async function bucketOf(target: Target): Promise<Uploader & ReportReader> {
  if ([target.bucket, target.stage, target.local].filter(Boolean).length !== 1) throw new Error(`give exactly one of --bucket, --stage or --local\n${usage}`);
  if (target.local) {
    const state = await readLocalState();
    return s3Bucket(localS3Client(state.s3Endpoint), state.contentBucket, `the local platform (${state.s3Endpoint}/${state.contentBucket})`);
  }
  const bucket = target.bucket ?? (await contentBucketOfStage(target.stage!));
  return s3Bucket(new S3Client({}), bucket, `s3://${bucket}`);
}

async function ledgersOf(against: string): Promise<LedgerSource> {
  if (against === 'local') {
    const state = await readLocalState();
    return tableLedgers(createStore({ tableName: state.tableName, endpoint: state.dynamoEndpoint }), 'the local platform');
  }
  return tableLedgers(createStore({ tableName: await stackOutput(against, 'TableName') }), `stage ${against}`);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      bucket: { type: 'string' },
      stage: { type: 'string' },
      local: { type: 'boolean' },
      delete: { type: 'boolean' },
      strict: { type: 'boolean' },
      against: { type: 'string' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dir = values.dir ?? join(repoRoot, 'content');
  const [command] = positionals;
  if (values.help || !command) {
    out(usage);
    return values.help ? 0 : 1;
  }
  if (command === 'check') {
    return checkCommand(dir, out, err, { strict: Boolean(values.strict), ...(values.against ? { against: await ledgersOf(values.against) } : {}) });
  }
  if (command === 'publish') {
    const timeout = Number(values.timeout ?? 300);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout takes a number of seconds, got "${values.timeout}"`);
    const bucket = await bucketOf(values);
    return publishCommand(dir, bucket, {
      out,
      err,
      isTty: Boolean(process.stderr.isTTY),
      deleteMissing: Boolean(values.delete),
      ...(values['no-wait'] ? {} : { wait: { reader: bucket, timeoutMs: timeout * 1000 } }),
    });
  }
  if (command === 'status') return statusCommand(await bucketOf(values), out);
  err(`unknown command "${command}"\n${usage}`);
  return 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  err(`content: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
