import type { Lesson } from './lesson';

/**
 * What grading needs and the page must never contain: per exercise item, the correct choices and
 * every choice's explanation, the correct order, or the recall model answers.
 */
export type AnswerKey =
  | { kind: 'mcq'; itemId: string; choiceIds: string[]; correct: string[]; explanations: Record<string, string> }
  | { kind: 'ordering'; itemId: string; order: string[] }
  | { kind: 'recall'; itemId: string; prompts: { id: string; answer: string }[] };

export function answerKeys(lesson: Lesson): AnswerKey[] {
  const keys: AnswerKey[] = [];
  for (const block of lesson.blocks) {
    if (block.kind === 'mcq') {
      const { id, choices } = block.exercise;
      keys.push({
        kind: 'mcq',
        itemId: id,
        choiceIds: choices.map((c) => c.id),
        correct: choices.filter((c) => c.correct).map((c) => c.id),
        explanations: Object.fromEntries(choices.map((c) => [c.id, c.explanation])),
      });
    } else if (block.kind === 'ordering') {
      keys.push({ kind: 'ordering', itemId: block.exercise.id, order: block.exercise.steps.map((s) => s.id) });
    } else if (block.kind === 'recall') {
      keys.push({ kind: 'recall', itemId: block.exercise.id, prompts: block.exercise.prompts.map(({ id, answer }) => ({ id, answer })) });
    }
  }
  return keys;
}
