import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { listContentKeys } from '../lambdas/events/s3-handler';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkCommand, contentBucketOfStage, publishCommand, type Uploader } from './content/commands';
import { repoRoot } from '../lib/paths';

/**
 * The authoring CLI:
 *   npm run content -- check [--strict] [--dir <folder>]
 *   npm run content -- publish (--bucket <name> | --stage <stage>) [--delete] [--dir <folder>]
 * `--strict` makes anatomy warnings (a lesson missing a hook, a metaphor, its exercises…) errors.
 * `--stage` reads the bucket from output ContentBucketName of stack Rungs-<stage> with the AWS CLI.
 */
const usage = 'usage: npm run content -- check [--strict] [--dir <folder>]\n       npm run content -- publish (--bucket <name> | --stage <stage>) [--delete] [--dir <folder>]\n';
const out = (text: string) => process.stdout.write(text);
const err = (text: string) => process.stderr.write(text);

function s3Uploader(bucket: string): Uploader {
  const s3 = new S3Client({});
  return {
    target: `s3://${bucket}`,
    async put(key, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    list: () => listContentKeys(s3, bucket),
    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: 'string' }, bucket: { type: 'string' }, stage: { type: 'string' }, delete: { type: 'boolean' }, strict: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const dir = values.dir ?? join(repoRoot, 'content');
  const [command] = positionals;
  if (values.help || !command) {
    out(usage);
    return values.help ? 0 : 1;
  }
  if (command === 'check') return checkCommand(dir, out, err, { strict: Boolean(values.strict) });
  if (command === 'publish') {
    if (Boolean(values.bucket) === Boolean(values.stage)) {
      err(`publish needs exactly one of --bucket or --stage\n${usage}`);
      return 1;
    }
    const bucket = values.bucket ?? (await contentBucketOfStage(values.stage!));
    return publishCommand(dir, s3Uploader(bucket), { out, err, isTty: Boolean(process.stderr.isTTY), deleteMissing: Boolean(values.delete) });
  }
  err(`unknown command "${command}"\n${usage}`);
  return 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  err(`content: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
