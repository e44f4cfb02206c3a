import { z } from 'zod';
import { answerSchema } from '../domain/grading';
import { callerOf } from '../middleware/auth';
import { countMetric } from '../middleware/observability';
import { json } from '../middleware/problem';
import { getAnswerKey } from '../store/answer-keys';
import { defaultStore } from '../store/client';
import { getCard, listDueCards } from '../store/reviews';
import { gradeOrReject, recordForLearner } from './answers';
import { httpHandler } from './http';
import { notFound, parseBody, pathParam, queryParams, slugSchema } from './input';

/** A card is named `<lessonId>.<itemId>` (slugs never contain a dot). */
const cardIdSchema = z
  .string()
  .max(201)
  .transform((value) => value.split('.'))
  .pipe(z.tuple([slugSchema, slugSchema]));

const querySchema = z.strictObject({
  due: z.union([z.literal('now'), z.iso.datetime()]).default('now'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/**
 * GET /api/me/reviews?due=now — the learner's cards due now (or at a given time), earliest first,
 * from the due index. POST /api/me/reviews/{itemId} — one review of a card the learner already has:
 * graded items are answered again (correct → good, incorrect → again), recall items self-rated.
 */
export const handler = httpHandler(
  'reviews',
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.requestContext.http.method === 'GET') {
      const { due, limit } = queryParams(event, querySchema);
      const at = due === 'now' ? new Date() : new Date(due);
      const cards = await listDueCards(store, sub, at, limit);
      return json(
        200,
        { at: at.toISOString(), cards: cards.map((c) => ({ id: `${c.lessonId}.${c.itemId}`, lessonId: c.lessonId, itemId: c.itemId, kind: c.kind, due: c.card.due, state: c.card.state, reps: c.card.reps })) },
        { 'Cache-Control': 'no-store' },
      );
    }
    const [lessonId, itemId] = pathParam(event, 'itemId', cardIdSchema);
    const { answer } = parseBody(event, z.strictObject({ answer: answerSchema }));
    // Only a card the caller has met can be reviewed; another learner's card is indistinguishable from none.
    const [card, key] = await Promise.all([getCard(store, sub, lessonId, itemId), getAnswerKey(store, lessonId, itemId)]);
    if (!card || !key) throw notFound('You have no review card with this id.');
    const outcome = gradeOrReject(key, answer);
    const next = await recordForLearner(store, { sub, key: { ...key, lessonId }, answer, outcome, source: 'review', at: new Date() });
    countMetric('ReviewRecorded');
    return json(200, { ...outcome, nextReview: next.due, state: next.state }, { 'Cache-Control': 'no-store' });
  },
);
