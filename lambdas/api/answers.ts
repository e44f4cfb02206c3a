import type { AnswerKey } from '../domain/answer-key';
import { AnswerMismatch, grade, ratingOf, type Answer, type Outcome } from '../domain/grading';
import { schedule, type CardState } from '../domain/scheduling';
import { problem } from '../middleware/problem';
import { CardConflict, recordAnswer } from '../store/attempts';
import type { Store } from '../store/client';
import { getCard } from '../store/reviews';

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

export async function recordForLearner(
  store: Store,
  input: { sub: string; key: AnswerKey & { lessonId: string }; answer: Answer; outcome: Outcome; source: 'attempt' | 'review' | 'merge'; at: Date; attemptId?: string },
): Promise<CardState> {
  const rating = ratingOf(input.outcome);
  for (let attempt = 0; ; attempt++) {
    const previousCard = await getCard(store, input.sub, input.key.lessonId, input.key.itemId);
    // A merged answer older than the card's last review joins the history but cannot move the schedule back.
    const lastReview = previousCard?.card.lastReview;
    const nextCard = lastReview && new Date(lastReview) > input.at ? previousCard.card : schedule(previousCard?.card, rating, input.at);
    try {
      await recordAnswer(store, { ...input, previousCard, nextCard });
      return nextCard;
    } catch (error) {
      if (!(error instanceof CardConflict) || attempt >= 4) throw error;
    }
  }
}
