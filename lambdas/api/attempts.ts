import * as z from '../domain/zod';
import { answerSchema } from '../domain/grading';
import { callerOf } from '../middleware/auth';
import { countMetric } from '../middleware/observability';
import { json } from '../middleware/problem';
import { getAnswerKey } from '../store/answer-keys';
import { AlreadyRecorded } from '../store/attempts';
import { defaultStore } from '../store/client';
import { gradeOrReject, recordForLearner } from './answers';
import { httpHandler } from './http';
import { notFound, parseBody, pathParam } from './input';
import { attemptBodySchema, slugSchema } from './schemas';

/** Anonymous answers merged on sign-in, each with the id and time the browser gave it. */
export const MERGE_MAX_ATTEMPTS = 200;
export const MERGE_MAX_AGE_DAYS = 30;
const mergeSchema = z.strictObject({
  attempts: z
    .array(z.strictObject({ id: z.uuid(), lessonId: slugSchema, itemId: slugSchema, answer: answerSchema, at: z.iso.datetime() }))
    .check(z.maxLength(MERGE_MAX_ATTEMPTS)),
});

/**
 * POST /api/me/merge — anonymous work becomes the learner's: every answer is graded again on the
 * server (the browser's verdict is never trusted) and recorded at its original time, oldest first,
 * so the review schedule is what it would have been. Idempotent: an attempt's id is part of its key
 * and written conditionally, so a repeated merge records nothing twice (statistics included).
 * Answers from the future or older than 30 days are skipped.
 */
async function merge(event: Parameters<Parameters<typeof httpHandler>[1]>[0], sub: string) {
  const { attempts } = parseBody(event, mergeSchema);
  const store = defaultStore();
  const now = Date.now();
  let merged = 0;
  let skipped = 0;
  for (const item of [...attempts].sort((a, b) => a.at.localeCompare(b.at))) {
    const at = new Date(item.at);
    const key = await getAnswerKey(store, item.lessonId, item.itemId);
    if (!key || at.getTime() > now + 60_000 || at.getTime() < now - MERGE_MAX_AGE_DAYS * 86_400_000) {
      skipped++;
      continue;
    }
    let outcome;
    try {
      outcome = gradeOrReject(key, item.answer);
    } catch {
      skipped++; // the lesson changed since: the answer no longer fits the item
      continue;
    }
    try {
      await recordForLearner(store, { sub, key: { ...key, lessonId: item.lessonId }, answer: item.answer, outcome, source: 'merge', at, attemptId: item.id });
      merged++;
    } catch (error) {
      if (!(error instanceof AlreadyRecorded)) throw error;
      skipped++;
    }
  }
  return json(200, { merged, skipped }, { 'Cache-Control': 'no-store' });
}
/**
 * POST /api/lessons/{id}/attempts — grades an answer on the server and returns correctness with every
 * choice's explanation. Anonymous callers get the grade only; a signed-in learner's attempt is stored
 * and counted in the item's statistics, and the first answer of a lesson visit schedules the item's
 * review card (later ones are practice, see `isPracticeAnswer`).
 */
export const handler = httpHandler(
  'attempts',
  async (event, context) => {
    if (event.routeKey === 'POST /api/me/merge') return merge(event, callerOf(context).sub);
    const lessonId = pathParam(event, 'id', slugSchema);
    const { itemId, answer } = parseBody(event, attemptBodySchema);
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
