import { mergeProgress, progressUpdateSchema } from '../domain/progress';
import { callerOf } from '../middleware/auth';
import { json, problem } from '../middleware/problem';
import { lessonCardItems, lessonMastery } from '../domain/cards';
import { listAnswerKeys } from '../store/answer-keys';
import { defaultStore, type Store } from '../store/client';
import { listCards, type StoredCard } from '../store/reviews';
import { getProgress, lessonExists, listProgress, putProgressIfUnchanged } from '../store/progress';
import { httpHandler } from './http';
import { notFound, parseBody, pathParam } from './input';
import { slugSchema } from './schemas';

const MAX_TRIES = 8;

/** Completed (every card answered) and mastery (right and not overdue) of each lesson the learner has cards in. */
async function masteryByLesson(store: Store, cards: StoredCard[], now: Date) {
  const byLesson = new Map<string, StoredCard[]>();
  for (const card of cards) byLesson.set(card.lessonId, [...(byLesson.get(card.lessonId) ?? []), card]);
  const entries = await Promise.all(
    [...byLesson].map(async ([lessonId, lessonCards]) => {
      const items = lessonCardItems(await listAnswerKeys(store, lessonId));
      return [lessonId, lessonMastery(items, lessonCards, now)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * GET /api/me/progress — every lesson the learner has started, and per lesson with cards its
 * completion and mastery computed from the cards (see `lessonMastery`). PUT /api/me/progress/{lessonId} —
 * records started/completed and the last position. Two tabs writing at once both land: each write
 * is conditional on the version it read and, on a conflict, is merged again onto the newer state
 * (status never moves backwards). A client that sends `version` asks for a strict check instead: 409
 * with the current state when it is stale.
 */
export const handler = httpHandler(
  'progress',
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.requestContext.http.method === 'GET') {
      const [lessons, cards] = await Promise.all([listProgress(store, sub), listCards(store, sub)]);
      return json(200, { lessons, mastery: await masteryByLesson(store, cards, new Date()) }, { 'Cache-Control': 'no-store' });
    }
    const lessonId = pathParam(event, 'lessonId', slugSchema);
    const update = parseBody(event, progressUpdateSchema);
    if (!(await lessonExists(store, lessonId))) throw notFound(`No lesson "${lessonId}".`);
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const current = await getProgress(store, sub, lessonId);
      if (update.version !== undefined && update.version !== (current?.version ?? 0)) {
        throw problem(409, 'Conflict', { type: 'stale-version', detail: 'The progress changed since you read it.', extensions: { current: current ?? null } });
      }
      const next = mergeProgress(current, lessonId, update, new Date().toISOString());
      if (await putProgressIfUnchanged(store, sub, next)) return json(200, next, { 'Cache-Control': 'no-store' });
    }
    throw problem(503, 'Service Unavailable', { type: 'contention', detail: 'Too many concurrent updates; retry.', headers: { 'Retry-After': '1' } });
  },
);
