import type { AnswerKey } from '../domain/answer-key';
import { cardItemOf, isDue, isPracticeAnswer, parseCardItem, splitRecallCard } from '../domain/cards';
import { AnswerMismatch, grade, isRight, ratingOf, type Answer, type Outcome } from '../domain/grading';
import { dayIn } from '../domain/settings';
import { schedule, type CardState } from '../domain/scheduling';
import { problem } from '../middleware/problem';
import { CardConflict, recordAnswer } from '../store/attempts';
import type { Store } from '../store/client';
import { getSettings } from '../store/account';
import { getCard, migrateCard, type StoredCard } from '../store/reviews';

/**
 * What attempts and reviews share: grade an answer against its key and, for a signed-in learner,
 * record it and move the item's review card on (read the card, schedule, write conditionally; a
 * concurrent write to the same card means reading again).
 */

export function gradeOrReject(key: AnswerKey, answer: Answer): Outcome {
  try {
    return grade(key, answer);
  } catch (error) {
    if (error instanceof AnswerMismatch) throw problem(400, 'Bad Request', { type: 'answer-mismatch', detail: error.message });
    throw error;
  }
}

/**
 * Replaces an old whole-recall card by one card per prompt (`splitRecallCard`): `migrated` when it
 * moved here, `raced` when it was tried and another request changed the card first (or a conflict
 * outlasted the tries), `none` when there is nothing to split (no answer key, not a recall item).
 * A prompt that already has its own card keeps it: only the missing prompts inherit the old
 * schedule. Safe to run twice or in two requests at once (`migrateCard` is conditional).
 */
export async function migrateOldRecallCard(store: Store, sub: string, old: StoredCard, key: AnswerKey | undefined): Promise<'migrated' | 'raced' | 'none'> {
  const split = splitRecallCard(old, key);
  if (!split) return 'none';
  const existing = await Promise.all(split.map((c) => getCard(store, sub, c.lessonId, c.itemId)));
  return (await migrateCard(store, sub, old, split.filter((_, i) => !existing[i]))) ? 'migrated' : 'raced';
}

/**
 * The card an answer moves, migrating first when it is a recall prompt still covered by an old
 * whole-recall card: an answer given before the queue was ever read continues that card's history
 * instead of starting the prompt afresh. The extra read happens only when the prompt has no card.
 */
async function cardForAnswer(store: Store, sub: string, key: AnswerKey & { lessonId: string }, cardItem: string): Promise<StoredCard | undefined> {
  const card = await getCard(store, sub, key.lessonId, cardItem);
  if (card || !parseCardItem(cardItem).promptId) return card;
  const old = await getCard(store, sub, key.lessonId, key.itemId);
  if (!old) return undefined;
  // Read again whether or not this request's migration won: a concurrent one may have done it.
  await migrateOldRecallCard(store, sub, old, key);
  return getCard(store, sub, key.lessonId, cardItem);
}

/**
 * Tries of one answer's transaction when it meets another of the same learner's (full jitter, up to
 * 25 · 2^n ms and at most 800 ms between tries: at most 4 s of waiting, about 2 s on average, before
 * giving up, inside the function's 10 s).
 */
export const ANSWER_WRITE_ATTEMPTS = 10;

/**
 * Whether an answer schedules its card: on a lesson page only the first answer of a visit does
 * (`isPracticeAnswer`); in a review only an answer to a card that is due (one per due time, so a
 * duplicate is stored as practice and changes nothing). Anonymous work merged on sign-in follows
 * the lesson-page rule at the answer's original time: the first answer of that visit schedules,
 * and an answer older than the card's last scheduled answer is practice, so a merge never moves a
 * schedule back; a later answer of an anonymous visit comes with `practice` set (its receipt says
 * so). A merged answer never improves a card the account itself scheduled (one not marked
 * `anonymousOnly`): over such a card only a lapse (Again) schedules, anything better is practice,
 * since anonymous answers cannot be tied to one person's first try. The scheduler uses the
 * learner's desired retention and, when an optimizer has fitted them, their own FSRS parameters
 * (both from the settings item).
 */
export async function recordForLearner(
  store: Store,
  input: { sub: string; key: AnswerKey & { lessonId: string }; answer: Answer; outcome: Outcome; source: 'attempt' | 'review' | 'merge'; at: Date; attemptId?: string; practice?: boolean },
): Promise<{ card: CardState | undefined; scheduled: boolean }> {
  const rating = ratingOf(input.outcome);
  const cardItem = cardItemOf(input.key.itemId, input.answer);
  const settings = await getSettings(store, input.sub);
  for (let attempt = 0; ; attempt++) {
    const previousCard = await cardForAnswer(store, input.sub, input.key, cardItem);
    const overAccount = input.source === 'merge' && previousCard !== undefined && previousCard.anonymousOnly !== true && rating !== 'again';
    const practice =
      input.practice === true ||
      overAccount ||
      (previousCard !== undefined && (input.source === 'review' ? !isDue(previousCard.card, input.at) : isPracticeAnswer(previousCard.card, input.at)));
    const nextCard = practice ? undefined : schedule(previousCard?.card, rating, input.at, settings);
    try {
      await recordAnswer(store, { ...input, previousCard, cardItem, nextCard, right: isRight(input.outcome), day: dayIn(input.at, settings.timeZone) });
      return { card: nextCard ?? previousCard?.card, scheduled: !practice };
    } catch (error) {
      if (!(error instanceof CardConflict) || attempt >= ANSWER_WRITE_ATTEMPTS - 1) throw error;
      // Another answer of this learner (a second tab, a merge) wrote the card or the day's count:
      // read again after a jittered pause that grows, so that answers sent together spread out even
      // when the store is slow and each transaction holds its items for long.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(25 * 2 ** attempt, 800)));
    }
  }
}
