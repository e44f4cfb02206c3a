import { callerOf } from '../middleware/auth';
import { countMetric } from '../middleware/observability';
import { json } from '../middleware/problem';
import { getAnswerKey } from '../store/answer-keys';
import { defaultStore } from '../store/client';
import { getCard, listDueCards } from '../store/reviews';
import { gradeOrReject, recordForLearner } from './answers';
import { httpHandler } from './http';
import { notFound, parseBody, pathParam, queryParams } from './input';
import { cardIdSchema, reviewBodySchema, reviewsQuerySchema } from './schemas';

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
      const { due, limit } = queryParams(event, reviewsQuerySchema);
      const at = due === 'now' ? new Date() : new Date(due);
      const cards = await listDueCards(store, sub, at, limit);
      return json(
        200,
        { at: at.toISOString(), cards: cards.map((c) => ({ id: `${c.lessonId}.${c.itemId}`, lessonId: c.lessonId, itemId: c.itemId, kind: c.kind, due: c.card.due, state: c.card.state, reps: c.card.reps })) },
        { 'Cache-Control': 'no-store' },
      );
    }
    const [lessonId, itemId] = pathParam(event, 'itemId', cardIdSchema);
    const { answer } = parseBody(event, reviewBodySchema);
    // Only a card the caller has met can be reviewed; another learner's card is indistinguishable from none.
    const [card, key] = await Promise.all([getCard(store, sub, lessonId, itemId), getAnswerKey(store, lessonId, itemId)]);
    if (!card || !key) throw notFound('You have no review card with this id.');
    const outcome = gradeOrReject(key, answer);
    const next = await recordForLearner(store, { sub, key: { ...key, lessonId }, answer, outcome, source: 'review', at: new Date() });
    countMetric('ReviewRecorded');
    return json(200, { ...outcome, nextReview: next.due, state: next.state }, { 'Cache-Control': 'no-store' });
  },
);
