import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SourceObject } from '../../lambdas/events/ingest';

/** Reads every file under the content folder as the objects an S3 upload would create. */
export async function readContentTree(root: string): Promise<SourceObject[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  // Metadata files first, so a lesson's track and unit exist when its page is rendered.
  const rank = (path: string) => (path.endsWith('.yaml') ? 0 : 1);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Promise.all(files.map(async (file) => ({ key: relative(root, file).split(sep).join('/'), body: await readFile(file, 'utf8') })));
}
