import { api } from './api';

/** Today's numbers for the signed-in learner, fetched once per page: due count, goal, streak. */
export interface Today {
  dueCount: number;
  today: { day: string; goal: number; done: number; streak: number };
}
let pending: Promise<Today> | undefined;
export const todaySummary = () => (pending ??= api<Today>('GET', '/api/me/reviews?due=now&limit=1'));
