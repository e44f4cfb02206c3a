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

/** Desired retention: the probability of recall FSRS aims for when it picks the next interval. */
export const DEFAULT_RETENTION = 0.9;
export const MIN_RETENTION = 0.8;
export const MAX_RETENTION = 0.97;

/**
 * What a learner's scheduler is made of, both from their settings item: the desired retention and,
 * once an optimizer has fitted them from the learner's own review logs, their FSRS parameters `w`
 * (17, 19 or 21 weights; ts-fsrs migrates the shorter, older forms). Absent means FSRS's defaults.
 */
export interface SchedulerParams {
  desiredRetention?: number | undefined;
  w?: readonly number[] | undefined;
}

/** Shortest and longest accepted parameter vectors (FSRS-4.5 … FSRS-6). */
export const FSRS_PARAMETER_COUNTS = [17, 19, 21] as const;

// Fuzz off: the same history always gives the same due date, which keeps retries and tests exact.
// Schedulers are kept per (retention, parameters); per-learner parameters make that set open, so it
// is bounded: when full it starts over (building a scheduler costs microseconds, not a request).
const MAX_SCHEDULERS = 256;
const schedulers = new Map<string, ReturnType<typeof fsrs>>();
const schedulerFor = ({ desiredRetention = DEFAULT_RETENTION, w }: SchedulerParams) => {
  const id = `${desiredRetention}|${w?.join(',') ?? ''}`;
  let scheduler = schedulers.get(id);
  if (!scheduler) {
    if (schedulers.size >= MAX_SCHEDULERS) schedulers.clear();
    scheduler = fsrs({ enable_fuzz: false, request_retention: desiredRetention, ...(w ? { w: [...w] } : {}) });
    schedulers.set(id, scheduler);
  }
  return scheduler;
};

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
export function schedule(previous: CardState | undefined, rating: SelfRating, now: Date, params: SchedulerParams = {}): CardState {
  const card = previous ? fromState(previous) : createEmptyCard(now);
  return toState(schedulerFor(params).next(card, now, grades[rating]).card);
}

/**
 * What each rating would do to a card now: the due time `schedule` would give for it. The review
 * page labels its four buttons with these, so a label is exactly what the server then schedules.
 */
export function previews(previous: CardState | undefined, now: Date, params: SchedulerParams = {}): Record<SelfRating, string> {
  return Object.fromEntries(
    (Object.keys(grades) as SelfRating[]).map((rating) => [rating, schedule(previous, rating, now, params).due]),
  ) as Record<SelfRating, string>;
}

/** Whole days between the card's last scheduled answer and `now` (what FSRS calls elapsed days). */
export function elapsedDays(previous: CardState | undefined, now: Date): number {
  if (!previous?.lastReview) return 0;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(previous.lastReview)) / 86_400_000));
}
