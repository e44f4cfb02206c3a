/**
 * Times a learner reads: an interval on a rating button ("<1 min", "10 min", "4 d") and a due time
 * relative to now ("in 10 minutes", "tomorrow", "in 4 days"), with the exact time for a title.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The short label of an interval, as on Anki's rating buttons. */
export function intervalLabel(ms: number): string {
  if (ms < MINUTE) return '<1 min';
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < DAY) return `${Math.round(ms / HOUR)} h`;
  if (ms < 30 * DAY) return `${Math.round(ms / DAY)} d`;
  if (ms < 365 * DAY) return `${Math.round(ms / (30 * DAY))} mo`;
  return `${(ms / (365 * DAY)).toFixed(1).replace(/\.0$/, '')} y`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** When `due` comes, in words, seen from `now` ("now", "in 10 minutes", "tomorrow", "in 4 days"). */
export function relativeTime(due: Date, now: Date): string {
  const ms = due.getTime() - now.getTime();
  if (ms <= 30_000) return 'now';
  if (ms < HOUR) return `in ${plural(Math.max(1, Math.round(ms / MINUTE)), 'minute')}`;
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const days = Math.floor((new Date(due.getFullYear(), due.getMonth(), due.getDate()).getTime() - startOfToday) / DAY + 0.5);
  if (days === 0) return `in ${plural(Math.round(ms / HOUR), 'hour')}`;
  if (days === 1) return 'tomorrow';
  return `in ${plural(days, 'day')}`;
}

/** The exact time, for a title attribute. */
export const exactTime = (due: Date) => due.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
