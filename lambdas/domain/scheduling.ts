import { createEmptyCard, fsrs, Rating, State, type Card, type Grade } from 'ts-fsrs';
import * as z from './zod';
import type { SelfRating } from './grading';

/**
 * FSRS scheduling (ts-fsrs) for every item type. A card is stored as plain JSON (dates as ISO strings)
 * so that the store never needs to know ts-fsrs types.
 */

export const cardStateSchema = z.object({
  due: z.string(),
  stability: z.number(),
  difficulty: z.number(),
  elapsedDays: z.number(),
  scheduledDays: z.number(),
  learningSteps: z.number(),
  reps: z.number().check(z.int()),
  lapses: z.number().check(z.int()),
  state: z.enum(['new', 'learning', 'review', 'relearning']),
  lastReview: z.optional(z.string()),
});
export type CardState = z.infer<typeof cardStateSchema>;

const grades: Record<SelfRating, Grade> = { again: Rating.Again, hard: Rating.Hard, good: Rating.Good, easy: Rating.Easy };
const stateNames = { [State.New]: 'new', [State.Learning]: 'learning', [State.Review]: 'review', [State.Relearning]: 'relearning' } as const;
const stateValues = { new: State.New, learning: State.Learning, review: State.Review, relearning: State.Relearning } as const;

// Fuzz off: the same history always gives the same due date, which keeps retries and tests exact.
const scheduler = fsrs({ enable_fuzz: false });

const toState = (card: Card): CardState => ({
  due: card.due.toISOString(),
  stability: card.stability,
  difficulty: card.difficulty,
  elapsedDays: card.elapsed_days,
  scheduledDays: card.scheduled_days,
  learningSteps: card.learning_steps,
  reps: card.reps,
  lapses: card.lapses,
  state: stateNames[card.state],
  ...(card.last_review ? { lastReview: card.last_review.toISOString() } : {}),
});

const fromState = (state: CardState): Card => ({
  due: new Date(state.due),
  stability: state.stability,
  difficulty: state.difficulty,
  elapsed_days: state.elapsedDays,
  scheduled_days: state.scheduledDays,
  learning_steps: state.learningSteps,
  reps: state.reps,
  lapses: state.lapses,
  state: stateValues[state.state],
  ...(state.lastReview ? { last_review: new Date(state.lastReview) } : {}),
});

/** The card after one review: a first meeting starts from an empty card. */
export function schedule(previous: CardState | undefined, rating: SelfRating, now: Date): CardState {
  const card = previous ? fromState(previous) : createEmptyCard(now);
  return toState(scheduler.next(card, now, grades[rating]).card);
}
