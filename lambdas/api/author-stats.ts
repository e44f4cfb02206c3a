import { json } from '../middleware/problem';
import { listAnswerKeys } from '../store/answer-keys';
import { defaultStore } from '../store/client';
import { listItemStats } from '../store/stats';
import { summarizeLesson } from '../domain/item-stats';
import { httpHandler } from './http';
import { notFound, pathParam, slugSchema } from './input';

/** GET /api/authors/lessons/{id}/stats — attempts, percent correct per item and picks per choice; authors only. */
export const handler = httpHandler(
  'authorStats',
  async (event) => {
    const lessonId = pathParam(event, 'id', slugSchema);
    const store = defaultStore();
    const [answerKeys, stats] = await Promise.all([listAnswerKeys(store, lessonId), listItemStats(store, lessonId)]);
    if (answerKeys.length === 0) throw notFound(`No lesson "${lessonId}" with exercises.`);
    return json(200, summarizeLesson(lessonId, answerKeys, stats), { 'Cache-Control': 'no-store' });
  },
);
