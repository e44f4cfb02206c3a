import * as z from './zod';
import { DEFAULT_RETENTION, FSRS_PARAMETER_COUNTS, MAX_RETENTION, MIN_RETENTION } from './scheduling';

/** A learner's settings, saved with the account. */

const timeZone = z.string().check(
  z.minLength(1),
  z.maxLength(64),
  z.refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone'),
);

/** What the learner sets (PUT /api/me/settings). */
const learnerFields = {
  /** Scheduled answers a day the learner aims for. */
  dailyGoal: z.number().check(z.int(), z.minimum(1), z.maximum(500)),
  /** Where the learner's day starts and ends (from the browser). */
  timeZone,
  /** The probability of recall the scheduler aims for. */
  desiredRetention: z.number().check(z.minimum(MIN_RETENTION), z.maximum(MAX_RETENTION)),
};

/**
 * Per-learner FSRS parameters, written into the settings item by the optimizer (never by the
 * learner through the API); absent until the learner has enough review history.
 */
const fsrsParameters = z
  .array(z.number().check(z.refine(Number.isFinite, 'not a finite number')))
  .check(z.refine((w) => (FSRS_PARAMETER_COUNTS as readonly number[]).includes(w.length), `FSRS parameters come as ${FSRS_PARAMETER_COUNTS.join(', ')} numbers`));

export const settingsSchema = z.strictObject({ ...learnerFields, w: z.optional(fsrsParameters) });
export type Settings = z.infer<typeof settingsSchema>;

export const settingsUpdateSchema = z.partial(z.strictObject(learnerFields));
export type LearnerSettings = z.infer<typeof settingsUpdateSchema>;

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
