import { mergeProgress, progressUpdateSchema } from '../domain/progress';
import { callerOf } from '../middleware/auth';
import { json, problem } from '../middleware/problem';
import { defaultStore } from '../store/client';
import { getProgress, lessonExists, listProgress, putProgressIfUnchanged } from '../store/progress';
import { httpHandler } from './http';
import { notFound, parseBody, pathParam, slugSchema } from './input';

const MAX_TRIES = 8;

/**
 * GET /api/me/progress — every lesson the learner has started. PUT /api/me/progress/{lessonId} —
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
      return json(200, { lessons: await listProgress(store, sub) }, { 'Cache-Control': 'no-store' });
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
