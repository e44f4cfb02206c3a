import { json } from '../middleware/problem';
import { listAnswerKeys } from '../store/answer-keys';
import { listCatalog } from '../store/catalog';
import { defaultStore, type Store } from '../store/client';
import { listIngestReports } from '../store/ingest-reports';
import { listItemStats } from '../store/stats';
import { dashboardLesson, FLAG_RULES, summarizeLesson } from '../domain/item-stats';
import { httpHandler } from './http';
import { authorStatsFunction } from './routes';
import { notFound, pathParam } from './input';
import { slugSchema } from './schemas';

/** How many of the latest ingest reports the dashboard shows. */
export const DASHBOARD_REPORTS = 20;

/**
 * Every published lesson with exercises, in catalog order, with per-item statistics and flags; and
 * the latest ingest reports, newest first.
 */
async function dashboard(store: Store) {
  const [{ lessons }, reports] = await Promise.all([listCatalog(store), listIngestReports(store, DASHBOARD_REPORTS)]);
  // Two queries per lesson, all at once: a catalog is tens of lessons, far below the table's limits.
  const found = await Promise.all(
    lessons.map(async (lesson) => {
      const [answerKeys, stats] = await Promise.all([listAnswerKeys(store, lesson.id), listItemStats(store, lesson.id)]);
      return answerKeys.length > 0 ? dashboardLesson(lesson.id, lesson.title, answerKeys, stats) : undefined;
    }),
  );
  return { rules: FLAG_RULES, lessons: found.filter((l) => l !== undefined), reports };
}

/**
 * GET /api/authors/lessons/{id}/stats — attempts, percent correct per item and picks per choice.
 * GET /api/authors/stats — the same for every lesson, with each item's flags, and the latest ingest
 * reports (the authors' dashboard).
 * Authors only (the route table's `auth: 'authors'`).
 */
export const handler = httpHandler(
  authorStatsFunction,
  async (event) => {
    const store = defaultStore();
    if (event.routeKey === 'GET /api/authors/stats') return json(200, await dashboard(store), { 'Cache-Control': 'no-store' });
    const lessonId = pathParam(event, 'id', slugSchema);
    const [answerKeys, stats] = await Promise.all([listAnswerKeys(store, lessonId), listItemStats(store, lessonId)]);
    if (answerKeys.length === 0) throw notFound(`No lesson "${lessonId}" with exercises.`);
    return json(200, summarizeLesson(lessonId, answerKeys, stats), { 'Cache-Control': 'no-store' });
  },
);
