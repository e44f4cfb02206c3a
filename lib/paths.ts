import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root, so that entries and assets resolve wherever `cdk` is run from. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const fromRoot = (...parts: string[]) => join(repoRoot, ...parts);
