import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { readContentTree } from '../../bin/local/content';
import { repoRoot } from '../../lib/paths';

export const corpus = join(repoRoot, 'test/fixtures/bad-content');

/** One modification time for the whole corpus, so "the newer file is blamed" falls back to path order. */
export async function settleCorpusTimes(): Promise<void> {
  for (const file of await readContentTree(corpus)) utimesSync(join(corpus, file.key), 1_700_000_000, 1_700_000_000);
}
