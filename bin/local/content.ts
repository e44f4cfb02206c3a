import { readdir, readFile, stat } from 'node:fs/promises';
import type { FigureRead } from '../../lambdas/events/figures';
import { join, relative, sep } from 'node:path';
import type { SourceObject } from '../../lambdas/events/ingest';

/** A content file as read from disk: what an S3 upload would hold, and when it last changed. */
export interface LocalContentFile extends SourceObject {
  modified: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/**
 * Decodes a file as UTF-8. Bytes that are not UTF-8 (a file saved as Latin-1) become U+FFFD, as S3's
 * `transformToString` makes them, and the validator reports the first one with its position.
 */
export function decodeContent(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return lenient.decode(bytes);
  }
}

/** Reads every file under the content folder as the objects an S3 upload would create. */
export async function readContentTree(root: string): Promise<LocalContentFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  // Metadata files first, so a lesson's track and unit exist when its page is rendered.
  const rank = (path: string) => (path.endsWith('.yaml') ? 0 : 1);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const read = await Promise.all(
    files.map(async (file) => {
      try {
        const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
        return { key: relative(root, file).split(sep).join('/'), body: decodeContent(bytes), modified: info.mtimeMs };
      } catch (error) {
        // Removed (or renamed away by an editor's safe write) since the listing: it is not there.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    }),
  );
  return read.filter((file) => file !== undefined);
}

/** A figure file of the content folder as ingest reads one from the bucket: its size, and its bytes up to `maxBytes`. */
export async function readFigureFile(root: string, key: string, maxBytes: number): Promise<FigureRead> {
  try {
    const path = join(root, ...key.split('/'));
    const { size } = await stat(path);
    return size > maxBytes ? { size } : { size, bytes: new Uint8Array(await readFile(path)) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The figures of a content folder, as ingest reads them from the bucket (for ingests handed their files). */
export const contentFolderFigures = (root: string): { readFigure: (key: string, maxBytes: number) => Promise<FigureRead> } => ({
  readFigure: (key, maxBytes) => readFigureFile(root, key, maxBytes),
});
