import { CLAMP_PARAMETERS, default_w, W17_W18_Ceiling } from 'ts-fsrs';
import * as z from '../domain/zod';

/**
 * Per-learner FSRS parameters: the pure half. Turns a learner's review logs into the optimizer's
 * training items and the optimizer's answer into parameters ts-fsrs accepts. No AWS SDK, no binding.
 */

/**
 * Reviews a learner needs before their own parameters are fitted. fsrs-rs returns the defaults for
 * fewer than 8 training items and fits only the four initial stabilities below 64
 * (src/training.rs, compute_parameters); the Anki manual (deck options, "Health check") names fewer
 * than a few hundred reviews as a reason FSRS cannot adapt. 400 reviews is the minimum Anki 24.04's
 * optimizer asked for, so a learner is fitted only past it.
 */
export const MIN_REVIEWS_FOR_FIT = 400;
/** New reviews needed since the last fit before refitting (the Anki manual: no need to refit often). */
export const REFIT_AFTER_REVIEWS = 200;

/** One logged review as the optimizer needs it: the fields of a review log it reads. */
export const logForFitSchema = z.object({
  lessonId: z.string(),
  cardItem: z.string(),
  at: z.string(),
  rating: z.enum(['again', 'hard', 'good', 'easy']),
});
export type LogForFit = z.infer<typeof logForFitSchema>;

const ratingValues = { again: 1, hard: 2, good: 3, easy: 4 } as const;

export interface TrainingReview {
  /** 1 Again … 4 Easy. */
  rating: 1 | 2 | 3 | 4;
  /** Whole days since the card's previous review; 0 for its first. */
  deltaT: number;
}
/** One training item: a card's reviews up to and including the one it predicts, oldest first. */
export type TrainingItem = TrainingReview[];

const DAY_MS = 86_400_000;
/** Calendar-day difference in UTC, as FSRS counts days between reviews (same day = 0). */
const dayNumber = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);

/**
 * A learner's logs as FSRS training items: grouped per card, time-ordered, ratings 1–4, days between
 * reviews. A card reviewed n times gives n − 1 items (every prefix of two reviews or more, each
 * predicting its last review); an item whose reviews all fall on one day says nothing about
 * long-term memory and is left out, as the optimizer would ignore it.
 */
export function trainingItems(logs: readonly LogForFit[]): TrainingItem[] {
  return datedTrainingItems(logs).map((item) => item.reviews);
}

/** The same items, each with the time of the review it predicts (for time-series splits). */
export function datedTrainingItems(logs: readonly LogForFit[]): { at: string; reviews: TrainingItem }[] {
  const byCard = new Map<string, LogForFit[]>();
  for (const log of logs) {
    if (!Number.isFinite(Date.parse(log.at))) continue;
    const card = `${log.lessonId}#${log.cardItem}`;
    const list = byCard.get(card) ?? [];
    list.push(log);
    byCard.set(card, list);
  }
  const items: { at: string; reviews: TrainingItem }[] = [];
  for (const list of byCard.values()) {
    list.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const reviews: TrainingReview[] = list.map((log, i) => ({
      rating: ratingValues[log.rating],
      deltaT: i === 0 ? 0 : Math.max(0, dayNumber(log.at) - dayNumber(list[i - 1]!.at)),
    }));
    for (let end = 2; end <= reviews.length; end++) {
      const item = reviews.slice(0, end);
      if (item[end - 1]!.deltaT > 0) items.push({ at: list[end - 1]!.at, reviews: item });
    }
  }
  return items;
}

/** The FSRS-6 defaults ts-fsrs schedules with when a learner has no fit of their own. */
export const DEFAULT_W: readonly number[] = Object.freeze([...default_w]);

const TOLERANCE = 1e-6;

/** Whether the parameters are a length ts-fsrs takes (FSRS-6: 21) with every value in its range. */
export function isValidW(w: unknown): w is number[] {
  if (!Array.isArray(w) || w.length !== DEFAULT_W.length) return false;
  if (!w.every((value) => typeof value === 'number' && Number.isFinite(value))) return false;
  // ts-fsrs's own ranges with its widest w17/w18 ceiling (one relearning step, as Rungs schedules);
  // the optimizer computes in 32-bit floats, hence the tolerance at the bounds.
  const ranges = CLAMP_PARAMETERS(W17_W18_Ceiling);
  return w.every((value: number, i) => {
    const [low = Number.NaN, high = Number.NaN] = ranges[i] ?? [];
    return value >= low - TOLERANCE && value <= high + TOLERANCE;
  });
}

export interface FitQuality {
  logLoss: number;
  rmseBins: number;
}

export type FitVerdict =
  | { accepted: true; w: number[] }
  | { accepted: false; reason: string };

/**
 * Whether a candidate fit replaces the parameters in use (the learner's previous fit, or the
 * defaults): only when it has ts-fsrs's shape and ranges and predicts the learner's held-out
 * reviews strictly better (lower log loss) than the parameters in use do on the same reviews. A tie
 * keeps what is in use: changing a learner's schedule needs evidence, not its absence.
 */
export function judgeFit(w: unknown, inUse: FitQuality, candidate: FitQuality): FitVerdict {
  if (!isValidW(w)) return { accepted: false, reason: 'parameters outside the ranges ts-fsrs accepts' };
  if (!Number.isFinite(inUse.logLoss) || !Number.isFinite(candidate.logLoss)) return { accepted: false, reason: 'no held-out reviews to judge the fit on' };
  if (candidate.logLoss >= inUse.logLoss) return { accepted: false, reason: 'fit predicts the held-out reviews no better than the parameters in use' };
  return { accepted: true, w: [...w] };
}

/** Share of a learner's reviews, in time, that a candidate fit is trained on; the later rest judges it. */
export const TRAIN_SHARE = 0.8;

/**
 * A held-out tail, as a careful scheduler judges a fit: train on the learner's reviews before a cut
 * in time (the first TRAIN_SHARE of them), judge on the items predicting the reviews after it, each
 * from the card's whole history before it. A fit judged on the reviews it was trained on always
 * looks better than it is; the tail is what it will face next.
 */
export function heldOutTail(logs: readonly LogForFit[], share = TRAIN_SHARE): { train: TrainingItem[]; heldOut: TrainingItem[] } {
  const times = logs.map((log) => log.at).filter((at) => Number.isFinite(Date.parse(at))).sort((a, b) => Date.parse(a) - Date.parse(b));
  const cut = times[Math.floor(times.length * share)];
  if (cut === undefined) return { train: [], heldOut: [] };
  const before = (at: string) => Date.parse(at) < Date.parse(cut);
  return {
    train: trainingItems(logs.filter((log) => before(log.at))),
    heldOut: datedTrainingItems(logs).filter((item) => !before(item.at)).map((item) => item.reviews),
  };
}

/** Whether a learner with `reviews` logs, last fitted at `lastFitReviews`, is due a (re)fit. */
export function needsFit(reviews: number, lastFitReviews: number | undefined): boolean {
  if (reviews < MIN_REVIEWS_FOR_FIT) return false;
  return lastFitReviews === undefined || reviews - lastFitReviews >= REFIT_AFTER_REVIEWS;
}

/**
 * The parameters to schedule a learner with, from their settings item: their fitted `w` when it is
 * valid, otherwise the defaults. The scheduler passes it to ts-fsrs as `w`.
 */
export function learnerW(settingsItem: Record<string, unknown> | undefined): readonly number[] {
  const w = settingsItem?.w;
  return isValidW(w) ? w : DEFAULT_W;
}
