import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from '../../lambdas/domain/zod';
import { repoRoot } from '../../lib/paths';

/**
 * Where a running `npm start` can be reached, for `content publish --local`, `status --local` and
 * `check --against local`: written when the platform is ready, removed when it stops. The ports
 * are picked free at start, so they cannot be known in advance.
 */
export const localStatePath = process.env.RUNGS_LOCAL_STATE ?? join(repoRoot, '.rungs', 'local.json');

const stateSchema = z.object({
  url: z.string(),
  pid: z.number(),
  s3Endpoint: z.string(),
  contentBucket: z.string(),
  dynamoEndpoint: z.string(),
  tableName: z.string(),
});
export type LocalState = z.infer<typeof stateSchema>;

export async function writeLocalState(state: LocalState, path = localStatePath): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeLocalState(path = localStatePath): Promise<void> {
  await rm(path, { force: true });
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The running local platform, or an error an author can act on. */
export async function readLocalState(path = localStatePath): Promise<LocalState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`no local platform is running (no ${path}): start it with \`npm start\` in another terminal`);
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success || !running(parsed.data.pid)) throw new Error(`the local platform described in ${path} is not running any more: start it with \`npm start\``);
  return parsed.data;
}
