import { z } from 'zod';
import { DEFAULT_RETENTION, MAX_RETENTION, MIN_RETENTION } from './scheduling';

/** A learner's settings, saved with the account. */

const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone');

export const settingsSchema = z.strictObject({
  /** Scheduled answers a day the learner aims for. */
  dailyGoal: z.number().int().min(1).max(500),
  /** Where the learner's day starts and ends (from the browser). */
  timeZone,
  /** The probability of recall the scheduler aims for. */
  desiredRetention: z.number().min(MIN_RETENTION).max(MAX_RETENTION),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingsUpdateSchema = settingsSchema.partial();

export const defaultSettings: Settings = { dailyGoal: 20, timeZone: 'UTC', desiredRetention: DEFAULT_RETENTION };

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function dayIn(at: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const previousDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The streak: consecutive calendar days, ending today, with at least one scheduled answer. A day
 * not yet practised today does not break it: a streak that ended yesterday still counts until the
 * learner's day is over.
 */
export function streak(activeDays: Iterable<string>, now: Date, zone: string): number {
  const days = new Set(activeDays);
  let day = dayIn(now, zone);
  if (!days.has(day)) day = previousDay(day);
  let count = 0;
  while (days.has(day)) {
    count++;
    day = previousDay(day);
  }
  return count;
}
