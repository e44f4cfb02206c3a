import type { AnswerKey } from './answer-key';

/** Per-item answer statistics for authors, in the lesson's item order, every choice listed. */

export interface ItemCounts {
  itemId: string;
  attempts: number;
  correct?: number;
  picks: Record<string, number>;
  ratings: Record<string, number>;
}

export function summarizeLesson(lessonId: string, answerKeys: AnswerKey[], counts: ItemCounts[]) {
  const byItem = new Map(counts.map((c) => [c.itemId, c]));
  return {
    lessonId,
    items: answerKeys.map((key) => {
      const c = byItem.get(key.itemId);
      const attempts = c?.attempts ?? 0;
      const base = { itemId: key.itemId, kind: key.kind, attempts };
      if (key.kind === 'recall') return { ...base, ratings: { again: 0, hard: 0, good: 0, easy: 0, ...c?.ratings } };
      const correct = c?.correct ?? 0;
      const percentCorrect = attempts ? Math.round((1000 * correct) / attempts) / 10 : null;
      if (key.kind === 'ordering') return { ...base, correct, percentCorrect };
      return { ...base, correct, percentCorrect, picks: Object.fromEntries(key.choiceIds.map((id) => [id, c?.picks[id] ?? 0])) };
    }),
  };
}

/** Thresholds of the dashboard's flags, stated once (docs/authoring.md repeats them). */
export const FLAG_RULES = { tooEasyAbove: 95, tooHardBelow: 30, minAttempts: 10 } as const;

export type ItemFlag = 'too-easy' | 'too-hard' | 'unpicked-distractor';

/**
 * Flags an item once enough learners answered it: too easy (> 95 % correct), too hard (< 30 %), or
 * an MCQ with a wrong choice that nobody picks (it distracts no one, so it tests nothing).
 */
export function flagItem(item: { attempts: number; percentCorrect?: number | null; picks?: Record<string, number> }, correct: readonly string[] = []): ItemFlag[] {
  if (item.attempts < FLAG_RULES.minAttempts) return [];
  const flags: ItemFlag[] = [];
  if (item.percentCorrect != null && item.percentCorrect > FLAG_RULES.tooEasyAbove) flags.push('too-easy');
  if (item.percentCorrect != null && item.percentCorrect < FLAG_RULES.tooHardBelow) flags.push('too-hard');
  if (item.picks && Object.entries(item.picks).some(([choice, n]) => n === 0 && !correct.includes(choice))) flags.push('unpicked-distractor');
  return flags;
}

/** A lesson's summary with each item's flags, and each MCQ's correct choices (the chart marks them). */
export function dashboardLesson(lessonId: string, title: string, answerKeys: AnswerKey[], counts: ItemCounts[]) {
  const summary = summarizeLesson(lessonId, answerKeys, counts);
  const keyOf = new Map(answerKeys.map((k) => [k.itemId, k]));
  return {
    lessonId,
    title,
    items: summary.items.map((item) => {
      const key = keyOf.get(item.itemId);
      const correct = key?.kind === 'mcq' ? key.correct : [];
      return { ...item, ...(key?.kind === 'mcq' ? { correctChoices: correct } : {}), flags: flagItem(item, correct) };
    }),
  };
}
