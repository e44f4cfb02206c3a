import { z } from 'zod';
import { answerSchema } from '../domain/grading';
import { countMetric } from '../middleware/observability';
import { json } from '../middleware/problem';
import { getAnswerKey } from '../store/answer-keys';
import { defaultStore } from '../store/client';
import { gradeOrReject, recordForLearner } from './answers';
import { httpHandler } from './http';
import { notFound, parseBody, pathParam, slugSchema } from './input';

const bodySchema = z.strictObject({ itemId: slugSchema, answer: answerSchema });

/**
 * POST /api/lessons/{id}/attempts — grades an answer on the server and returns correctness with every
 * choice's explanation. Anonymous callers get the grade only; a signed-in learner's attempt is stored
 * and counted in the item's statistics, and the first answer of a lesson visit schedules the item's
 * review card (later ones are practice, see `isPracticeAnswer`).
 */
export const handler = httpHandler(
  'attempts',
  async (event, context) => {
    const lessonId = pathParam(event, 'id', slugSchema);
    const { itemId, answer } = parseBody(event, bodySchema);
    const store = defaultStore();
    const key = await getAnswerKey(store, lessonId, itemId);
    if (!key) throw notFound(`Lesson "${lessonId}" has no exercise "${itemId}".`);
    const outcome = gradeOrReject(key, answer);
    countMetric('AttemptGraded');
    if (!context.caller) return json(200, { ...outcome, recorded: false }, { 'Cache-Control': 'no-store' });
    const { card, scheduled } = await recordForLearner(store, { sub: context.caller.sub, key: { ...key, lessonId }, answer, outcome, source: 'attempt', at: new Date() });
    // A practice answer (a second answer in the same visit) is graded and stored but leaves the card as it was.
    return json(201, { ...outcome, recorded: true, practice: !scheduled, nextReview: card.due }, { 'Cache-Control': 'no-store' });
  },
);
