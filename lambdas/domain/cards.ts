import type { AnswerKey } from './answer-key';
import type { Answer } from './grading';
import type { CardState } from './scheduling';

/**
 * Review cards and what a learner's cards say about a lesson.
 *
 * A card is one thing a learner can be asked: a multiple-choice question, an ordering, or ONE recall
 * prompt. A recall prompt's card is named `<recallId>--<promptId>`: item and prompt ids are slugs,
 * which never contain `--`, so the name splits back unambiguously (and `.` still separates the lesson
 * in a card id `<lessonId>.<cardItem>`).
 */

const PROMPT_SEPARATOR = '--';

export const cardItemId = (itemId: string, promptId?: string) => (promptId ? `${itemId}${PROMPT_SEPARATOR}${promptId}` : itemId);

export function parseCardItem(cardItem: string): { itemId: string; promptId?: string } {
  const at = cardItem.indexOf(PROMPT_SEPARATOR);
  return at < 0 ? { itemId: cardItem } : { itemId: cardItem.slice(0, at), promptId: cardItem.slice(at + PROMPT_SEPARATOR.length) };
}

/** The card an answer to an item moves: the item's own, or the rated recall prompt's. */
export const cardItemOf = (itemId: string, answer: Answer) => cardItemId(itemId, 'prompt' in answer ? answer.prompt : undefined);

/** Every card a lesson can give: one per mcq and ordering item, one per recall prompt. */
export const lessonCardItems = (keys: AnswerKey[]): string[] =>
  keys.flatMap((key) => (key.kind === 'recall' ? key.prompts.map((p) => cardItemId(key.itemId, p.id)) : [key.itemId]));

/**
 * A lesson visit, concretely: answers to the same card on the lesson page within VISIT_HOURS of the
 * card's last scheduled answer. Within a visit only the first answer schedules; later ones are
 * practice (graded and stored, the card untouched), so answering again after seeing the
 * explanations cannot move a card on. A learner who comes back to the lesson after the window
 * starts a new visit, and that visit's first answer schedules again, like a review would.
 */
export const VISIT_HOURS = 4;

export function isPracticeAnswer(card: CardState | undefined, now: Date): boolean {
  if (!card?.lastReview) return false;
  // An answer from before the last scheduled one (anonymous work merged late) is practice too:
  // the difference is negative, so history gains it and the schedule never moves back.
  return now.getTime() - Date.parse(card.lastReview) < VISIT_HOURS * 3_600_000;
}

/** In a review, a card is answered once per due time: an answer before it is due again is not scheduled. */
export const isDue = (card: CardState, now: Date) => Date.parse(card.due) <= now.getTime();

export interface CardSummary {
  itemId: string;
  card: CardState;
  /** Whether the latest scheduled answer was right (unknown for cards written before this was kept). */
  lastCorrect?: boolean | undefined;
}

/**
 * Mastery of a lesson: the share of its cards whose latest scheduled answer was right and which are
 * not overdue (due later than now). "Completed" is separate: every card answered at least once.
 */
export function lessonMastery(cardItems: string[], cards: CardSummary[], now: Date): { total: number; answered: number; mastered: number; completed: boolean; mastery: number } {
  const byItem = new Map(cards.map((c) => [c.itemId, c]));
  let answered = 0;
  let mastered = 0;
  for (const item of cardItems) {
    const card = byItem.get(item);
    if (!card) continue;
    answered++;
    if (card.lastCorrect === true && !isDue(card.card, now)) mastered++;
  }
  const total = cardItems.length;
  return { total, answered, mastered, completed: total > 0 && answered === total, mastery: total === 0 ? 0 : mastered / total };
}

/**
 * Recall migration. Before each prompt had its own card, one card per recall item carried one
 * self-rating for all of its prompts. Splitting it gives every prompt a card with a copy of that
 * schedule (same due time, stability, difficulty, history counts): the learner rated all prompts
 * together, so each prompt inherits that rating's outcome and nothing already scheduled moves.
 * Returns undefined for a card that is not an old whole-recall card.
 */
export function splitRecallCard<T extends { itemId: string; kind: string; card: CardState }>(
  stored: T,
  key: AnswerKey | undefined,
): (T & { itemId: string; migratedFrom: string })[] | undefined {
  if (stored.kind !== 'recall' || parseCardItem(stored.itemId).promptId || key?.kind !== 'recall') return undefined;
  return key.prompts.map((prompt) => ({ ...stored, itemId: cardItemId(stored.itemId, prompt.id), migratedFrom: stored.itemId }));
}
