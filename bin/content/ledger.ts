import { checkLessonFile, checkLessonIds, classifyKey, type ContentFile, type Problem } from '../../lambdas/domain/validate';
import type { IdLedger } from '../../lambdas/domain/item-ids';
import type { Store } from '../../lambdas/store/client';
import { readLessonPartition } from '../../lambdas/store/content';
import { forEachLimited } from '../../lambdas/events/concurrency';

/** The published id ledgers of a stage's table (or the local platform's), for `check --against`. */
export interface LedgerSource {
  /** Names the source in messages, e.g. `stage dev` or `the local platform`. */
  readonly name: string;
  ledger(lessonId: string): Promise<IdLedger>;
}

export function tableLedgers(store: Store, name: string): LedgerSource {
  return { name, ledger: async (lessonId) => (await readLessonPartition(store, lessonId)).ledger };
}

/**
 * The problems ingest would find with each lesson's item and choice ids against what is published
 * (the same check, `checkLessonIds`), for every lesson of the tree that parses.
 */
export async function ledgerProblems(files: ContentFile[], source: LedgerSource): Promise<Problem[]> {
  const problems: Problem[] = [];
  const lessons = files.flatMap((file) => {
    if (classifyKey(file.key)?.kind !== 'lesson') return [];
    const { lesson } = checkLessonFile(file);
    return lesson ? [{ file, lesson }] : [];
  });
  await forEachLimited(lessons, 8, async ({ file, lesson }) => {
    problems.push(...checkLessonIds(file, lesson, await source.ledger(lesson.meta.id)));
  });
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
