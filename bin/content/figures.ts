import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkFigureRefs, figureKey, figureType } from '../../lambdas/domain/figures';
import { checkFigureBytes, figureRefs } from '../../lambdas/render';
import { classifyKey, type ContentFile, type Problem } from '../../lambdas/domain/validate';

/**
 * `check` for figures: each lesson's `![alt](file)` references (alt text, type, in the lesson's
 * folder, exists, size), and each referenced file's bytes. Read from disk, since the tree's text
 * bodies cannot carry binary files.
 */
export async function figureProblems(dir: string, files: ContentFile[]): Promise<Problem[]> {
  const sizes = new Map<string, number>();
  await Promise.all(
    files.filter((f) => figureType(f.key)).map(async (f) => sizes.set(f.key, (await stat(join(dir, f.key))).size)),
  );
  const problems: Problem[] = [];
  const referenced = new Set<string>();
  for (const file of files) {
    if (classifyKey(file.key)?.kind !== 'lesson') continue;
    const refs = figureRefs(file.key, file.body);
    problems.push(...checkFigureRefs(file.key, refs, (key) => sizes.get(key)).map((p) => ({ file: file.key, ...p })));
    for (const ref of refs) {
      const key = figureKey(file.key, ref.src);
      if (key && sizes.has(key)) referenced.add(key);
    }
  }
  for (const key of [...referenced].sort()) problems.push(...checkFigureBytes(key, await readFile(join(dir, key))).map((p) => ({ file: key, ...p })));
  return problems;
}

/** The figure files the tree's lessons reference (each once, in key order), with their bytes: what `publish` uploads. */
export async function referencedFigures(dir: string, files: ContentFile[]): Promise<{ key: string; bytes: Uint8Array; contentType: string }[]> {
  const present = new Set(files.map((f) => f.key));
  const keys = new Set<string>();
  for (const file of files) {
    if (classifyKey(file.key)?.kind !== 'lesson') continue;
    for (const ref of figureRefs(file.key, file.body)) {
      const key = figureKey(file.key, ref.src);
      if (key && figureType(key) && present.has(key)) keys.add(key);
    }
  }
  return Promise.all([...keys].sort().map(async (key) => ({ key, bytes: new Uint8Array(await readFile(join(dir, key))), contentType: figureType(key)! })));
}
