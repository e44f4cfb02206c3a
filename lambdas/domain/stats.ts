import type { SelfRating } from './grading';
import type { CardState } from './scheduling';
import { dayIn, type Settings } from './settings';

/**
 * A learner's statistics, from their cards, review logs and daily counts:
 * - forecast: cards coming due on each of the next 30 days (overdue ones count today);
 * - heatmap: scheduled answers on each of the last 90 days;
 * - retention: true retention, the share of reviews of cards in the review state (not first
 *   meetings, not learning steps) answered above Again, against the desired retention;
 * - accuracy: per lesson, the share of scheduled answers that were right.
 */
export interface StatsInput {
  settings: Settings;
  days: { day: string; reviews: number }[];
  logs: { lessonId: string; rating: SelfRating; before?: CardState | undefined }[];
  cards: CardState[];
  now: Date;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

export function learnerStats({ settings, days, logs, cards, now }: StatsInput) {
  const today = dayIn(now, settings.timeZone);
  const forecast = Array.from({ length: 30 }, (_, i) => ({ day: addDays(today, i), due: 0 }));
  const index = new Map(forecast.map((f, i) => [f.day, i]));
  for (const card of cards) {
    const day = dayIn(new Date(card.due), settings.timeZone);
    const i = day <= today ? 0 : index.get(day);
    if (i !== undefined) forecast[i]!.due++;
  }
  const perDay = new Map(days.map((d) => [d.day, d.reviews]));
  const heatmap = Array.from({ length: 90 }, (_, i) => {
    const day = addDays(today, i - 89);
    return { day, reviews: perDay.get(day) ?? 0 };
  });
  const mature = logs.filter((l) => l.before?.state === 'review');
  const recalled = mature.filter((l) => l.rating !== 'again').length;
  const lessons = new Map<string, { right: number; total: number }>();
  for (const log of logs) {
    const entry = lessons.get(log.lessonId) ?? { right: 0, total: 0 };
    entry.total++;
    if (log.rating !== 'again') entry.right++;
    lessons.set(log.lessonId, entry);
  }
  return {
    today,
    forecast,
    heatmap,
    retention: { target: settings.desiredRetention, reviews: mature.length, recalled, measured: mature.length ? recalled / mature.length : null },
    accuracy: [...lessons].map(([lessonId, a]) => ({ lessonId, ...a })),
  };
}
