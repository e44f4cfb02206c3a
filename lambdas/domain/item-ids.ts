import { digest } from './hashing';
import type { ExerciseBlock, Lesson } from './lesson';

/**
 * Learner-visible ids (exercise items and their choices) are stable across edits and never reused.
 *
 * The rule: an id belongs to one item for good. Editing a live item keeps its id (fix the wording,
 * add a choice), but its kind cannot change. When an item or a choice disappears from its lesson,
 * its id is retired together with a fingerprint of its content. A retired id may come back only as
 * the very same item (an undo, or a file moved between folders): same kind, same fingerprint.
 * Anything else must take a new id, so a learner's past answers and review schedule never point at
 * a question they did not see.
 *
 * Ledger keys: `<itemId>` for items, `<itemId>/<choiceId>` for multiple-choice options.
 */
export interface IdEntry {
  kind: 'mcq' | 'ordering' | 'recall' | 'choice';
  fingerprint: string;
  /** Set while the id is retired. */
  retiredAt?: string;
}
export type IdLedger = Record<string, IdEntry>;

export interface IdProblem {
  /** The item (and choice) id that is at fault, to point at its line. */
  itemId: string;
  choiceId?: string;
  message: string;
}

const exercises = (lesson: Lesson) => lesson.blocks.filter((b): b is ExerciseBlock => 'exercise' in b);

/** The ids a lesson version uses, with their fingerprints. */
export function liveIds(lesson: Lesson): IdLedger {
  const ids: IdLedger = {};
  for (const block of exercises(lesson)) {
    ids[block.exercise.id] = { kind: block.kind, fingerprint: digest(block.exercise) };
    if (block.kind === 'mcq') {
      for (const choice of block.exercise.choices) {
        ids[`${block.exercise.id}/${choice.id}`] = { kind: 'choice', fingerprint: digest(choice) };
      }
    }
  }
  return ids;
}

/** Problems with the ids of a new lesson version, given the ledger of what was published before. */
export function checkIds(lesson: Lesson, previous: IdLedger): IdProblem[] {
  const problems: IdProblem[] = [];
  for (const [key, entry] of Object.entries(liveIds(lesson))) {
    const [itemId = key, choiceId] = key.split('/');
    const before = previous[key];
    const where = choiceId ? { itemId, choiceId } : { itemId };
    const what = choiceId ? `choice id "${choiceId}" of "${itemId}"` : `item id "${itemId}"`;
    if (!before) continue;
    if (before.retiredAt && (before.kind !== entry.kind || before.fingerprint !== entry.fingerprint)) {
      problems.push({
        ...where,
        message: `${what} was retired on ${before.retiredAt.slice(0, 10)} and cannot come back as a different ${choiceId ? 'choice' : 'item'}: restore it unchanged or give it a new id`,
      });
    } else if (!before.retiredAt && before.kind !== entry.kind) {
      problems.push({ ...where, message: `${what} is a published ${before.kind}; a different kind of exercise needs a new id` });
    }
  }
  return problems;
}

/** The ledger after publishing `lesson` (or deleting the lesson, when undefined). */
export function nextLedger(previous: IdLedger, lesson: Lesson | undefined, now: string): IdLedger {
  const live = lesson ? liveIds(lesson) : {};
  const ledger: IdLedger = { ...live };
  for (const [key, entry] of Object.entries(previous)) {
    if (key in live) continue;
    ledger[key] = entry.retiredAt ? entry : { ...entry, retiredAt: now };
  }
  return ledger;
}
