import * as z from './zod';
import type { AnswerKey } from './answer-key';

/**
 * Server-side grading. The page never holds the answer key, so correctness, the correct choices and
 * every choice's explanation are only revealed in the answer to a submitted attempt.
 */

export const selfRatings = ['again', 'hard', 'good', 'easy'] as const;
export type SelfRating = (typeof selfRatings)[number];

const id = z.string().check(z.minLength(1), z.maxLength(100));

/** One answer to one exercise item: chosen options (mcq), an order (ordering) or a self-rating (recall). */
export const answerSchema = z.union([
  z.strictObject({ choices: z.array(id).check(z.minLength(1), z.maxLength(50)) }),
  z.strictObject({ order: z.array(id).check(z.minLength(1), z.maxLength(50)) }),
  /** One recall prompt, self-rated after its model answer was revealed. */
  z.strictObject({ prompt: id, rating: z.enum(selfRatings) }),
]);
export type Answer = z.infer<typeof answerSchema>;

export type Outcome =
  | { kind: 'mcq'; itemId: string; correct: boolean; correctChoices: string[]; explanations: Record<string, string> }
  | { kind: 'ordering'; itemId: string; correct: boolean; correctOrder: string[] }
  | { kind: 'recall'; itemId: string; prompt: string; rating: SelfRating; modelAnswer: string };

/** Why an answer does not fit its item; the handler turns it into a 400. */
export class AnswerMismatch extends Error {}

const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set(a).size === a.length && a.every((x) => b.includes(x));

export function grade(key: AnswerKey, answer: Answer): Outcome {
  if (key.kind === 'mcq') {
    if (!('choices' in answer)) throw new AnswerMismatch(`item "${key.itemId}" is multiple choice: answer with "choices"`);
    const unknown = answer.choices.filter((c) => !key.choiceIds.includes(c));
    if (unknown.length) throw new AnswerMismatch(`unknown choice(s) for item "${key.itemId}": ${unknown.join(', ')}`);
    if (new Set(answer.choices).size !== answer.choices.length) throw new AnswerMismatch('a choice is listed twice');
    return { kind: 'mcq', itemId: key.itemId, correct: sameSet(answer.choices, key.correct), correctChoices: key.correct, explanations: key.explanations };
  }
  if (key.kind === 'ordering') {
    if (!('order' in answer)) throw new AnswerMismatch(`item "${key.itemId}" is an ordering: answer with "order"`);
    if (!sameSet(answer.order, key.order)) throw new AnswerMismatch(`"order" must list each step of item "${key.itemId}" exactly once`);
    const correct = answer.order.every((step, i) => step === key.order[i]);
    return { kind: 'ordering', itemId: key.itemId, correct, correctOrder: key.order };
  }
  if (!('rating' in answer)) throw new AnswerMismatch(`item "${key.itemId}" is recall: name the "prompt" and rate yourself with "rating" (again, hard, good, easy)`);
  const prompt = key.prompts.find((p) => p.id === answer.prompt);
  if (!prompt) throw new AnswerMismatch(`item "${key.itemId}" has no recall prompt "${answer.prompt}"`);
  return { kind: 'recall', itemId: key.itemId, prompt: prompt.id, rating: answer.rating, modelAnswer: prompt.answer };
}

/** The review rating an outcome feeds into scheduling: graded items map correct→good, incorrect→again. */
export function ratingOf(outcome: Outcome): SelfRating {
  if (outcome.kind === 'recall') return outcome.rating;
  return outcome.correct ? 'good' : 'again';
}

/** Whether an outcome counts as right for mastery: a correct graded answer, or recall rated above Again. */
export const isRight = (outcome: Outcome): boolean => ('correct' in outcome ? outcome.correct : outcome.rating !== 'again');

/** The choices an mcq answer picked, for per-choice statistics. */
export const pickedChoices = (answer: Answer): string[] => ('choices' in answer ? answer.choices : []);
