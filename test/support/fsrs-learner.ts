import { createEmptyCard, default_w, fsrs, Rating, type Card, type Grade } from 'ts-fsrs';
import type { LogForFit } from '../../lambdas/optimizer/parameters';

/**
 * A simulated learner whose memory follows FSRS with KNOWN parameters (`TRUE_W`, not the defaults),
 * scheduled by ts-fsrs with the default parameters, as Rungs schedules before a fit. At each review
 * the recall is drawn from the true model's retrievability; the rating then updates both the
 * scheduler's card and the true memory state. Seeded, so every run sees the same learner.
 */

/** The learner's true parameters: better first memories and faster growth than the defaults. */
export const TRUE_W: readonly number[] = default_w.map((value, i) => {
  if (i <= 3) return value * 2.5; // initial stabilities
  if (i === 8) return value * 1.25; // stability growth after a success
  if (i === 11) return value * 0.6; // stability after a lapse
  return value;
});

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const ratingName = { [Rating.Again]: 'again', [Rating.Hard]: 'hard', [Rating.Good]: 'good', [Rating.Easy]: 'easy' } as const;

export function simulateLearner(options: { reviews: number; seed?: number; newCardsPerDay?: number; start?: string }): LogForFit[] {
  const random = mulberry32(options.seed ?? 7);
  const start = Date.parse(options.start ?? '2026-01-01T08:00:00Z');
  const perDay = options.newCardsPerDay ?? 10;
  const scheduler = fsrs({ enable_fuzz: false });
  const truth = fsrs({ w: [...TRUE_W], enable_fuzz: false });
  const horizon = start + 365 * 86_400_000;
  const logs: LogForFit[] = [];
  const firstRating = (): Grade => {
    const u = random();
    return u < 0.25 ? Rating.Again : u < 0.35 ? Rating.Hard : u < 0.9 ? Rating.Good : Rating.Easy;
  };
  for (let cardIndex = 0; logs.length < options.reviews * 1.5 && cardIndex < 100_000; cardIndex++) {
    let at = new Date(start + Math.floor(cardIndex / perDay) * 86_400_000 + (cardIndex % perDay) * 60_000);
    let scheduled: Card = createEmptyCard(at);
    let memory: Card = createEmptyCard(at);
    for (let n = 0; n < 30 && at.getTime() < horizon; n++) {
      let grade: Grade;
      if (n === 0) grade = firstRating();
      else {
        const recalled = random() < truth.get_retrievability(memory, at, false);
        const u = random();
        grade = !recalled ? Rating.Again : u < 0.15 ? Rating.Hard : u < 0.85 ? Rating.Good : Rating.Easy;
      }
      logs.push({ lessonId: 'sim', cardItem: `c${cardIndex}`, at: at.toISOString(), rating: ratingName[grade] });
      scheduled = scheduler.next(scheduled, at, grade).card;
      memory = truth.next(memory, at, grade).card;
      // Learners come back a little late, sometimes days late: intervals vary around the schedule.
      const lateness = random() < 0.7 ? random() * 3_600_000 * 6 : random() * 86_400_000 * 3;
      at = new Date(scheduled.due.getTime() + lateness);
    }
  }
  // Earliest reviews first, cut to the size asked for: the learner's history up to some day.
  return logs.sort((a, b) => a.at.localeCompare(b.at)).slice(0, options.reviews);
}
