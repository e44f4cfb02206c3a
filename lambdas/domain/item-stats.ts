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
