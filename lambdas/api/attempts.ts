import * as z from '../domain/zod';
import { VISIT_HOURS } from '../domain/cards';
import { answerSchema } from '../domain/grading';
import { answersToMerge, issueReceipt, RECEIPT_MAX_AGE_MS, RECEIPT_MAX_LENGTH, verifyReceipt } from '../domain/receipt';
import { callerOf } from '../middleware/auth';
import { countMetric } from '../middleware/observability';
import { json } from '../middleware/problem';
import { getAnswerKey } from '../store/answer-keys';
import { AlreadyRecorded } from '../store/attempts';
import { defaultStore } from '../store/client';
import { claimReceipt } from '../store/receipts';
import { receiptKey, receiptKeySource } from '../session/key';
import { gradeOrReject, recordForLearner } from './answers';
import { httpHandler } from './http';
import { attemptsFunction } from './routes';
import { notFound, parseBody, pathParam } from './input';
import { attemptBodySchema, slugSchema } from './schemas';

/**
 * Anonymous answers merged on sign-in, each with the receipt its anonymous grading returned. A
 * receipt can also bring back its visit's first answer, so one request records up to twice this
 * many answers, each a few reads and a transaction: 50 keeps a hostile request well inside the
 * function's timeout (the site sends 25 at a time).
 */
export const MERGE_MAX_ATTEMPTS = 50;
export const MERGE_MAX_AGE_DAYS = RECEIPT_MAX_AGE_MS / 86_400_000;
const mergeSchema = z.strictObject({
  attempts: z.array(z.strictObject({ receipt: z.string().check(z.maxLength(RECEIPT_MAX_LENGTH)), answer: answerSchema })).check(z.maxLength(MERGE_MAX_ATTEMPTS)),
});

/** Resolved at cold start: the function refuses to start without a receipt key. */
const receipts = receiptKeySource();

/**
 * POST /api/me/merge — anonymous work becomes the learner's. Only answers with a valid, unexpired
 * server receipt for exactly that answer count (domain/receipt.ts); lesson, item, time and attempt id
 * come from the receipt, never from the browser, and a receipt is claimed by one learner only.
 * Each visit's first answer is the one that may schedule (`answersToMerge`), and never above what
 * the learner's account scheduled (`recordForLearner`). Every answer is graded again (the item may
 * have changed) and recorded at its receipt's time, oldest first, so the review schedule is what it
 * would have been. Idempotent: the receipt id is the attempt's id, written conditionally, so a
 * repeated merge records nothing twice (statistics included).
 */
async function merge(event: Parameters<Parameters<typeof httpHandler>[1]>[0], sub: string) {
  const { attempts } = parseBody(event, mergeSchema);
  const store = defaultStore();
  const key = await receiptKey(receipts);
  const now = Date.now();
  let merged = 0;
  let skipped = 0;
  const proven = attempts.flatMap(({ receipt, answer }) => {
    const check = verifyReceipt(key, receipt, answer, now);
    if (!check.valid) skipped++;
    return check.valid ? [{ check, answer }] : [];
  });
  for (const item of answersToMerge(proven)) {
    const answerKey = await getAnswerKey(store, item.lessonId, item.itemId);
    // The claim outlives every receipt that can carry this answer: a later receipt of its visit (up
    // to VISIT_HOURS after it) stays valid for RECEIPT_MAX_AGE_MS from its own time.
    const claimUntil = item.at + RECEIPT_MAX_AGE_MS + VISIT_HOURS * 3_600_000;
    if (!answerKey || !(await claimReceipt(store, item.id, sub, Math.ceil(claimUntil / 1000)))) {
      skipped++;
      continue;
    }
    let outcome;
    try {
      outcome = gradeOrReject(answerKey, item.answer);
    } catch {
      skipped++; // the lesson changed since: the answer no longer fits the item
      continue;
    }
    try {
      await recordForLearner(store, { sub, key: { ...answerKey, lessonId: item.lessonId }, answer: item.answer, outcome, source: 'merge', at: new Date(item.at), attemptId: item.id, practice: item.practice });
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
  attemptsFunction,
  async (event, context) => {
    if (event.routeKey === 'POST /api/me/merge') return merge(event, callerOf(context).sub);
    const lessonId = pathParam(event, 'id', slugSchema);
    const { itemId, answer, previous } = parseBody(event, attemptBodySchema);
    const store = defaultStore();
    const key = await getAnswerKey(store, lessonId, itemId);
    if (!key) throw notFound(`Lesson "${lessonId}" has no exercise "${itemId}".`);
    const outcome = gradeOrReject(key, answer);
    countMetric('AttemptGraded');
    if (!context.caller) {
      // The receipt lets the learner merge this answer on sign-in (POST /api/me/merge).
      // Chained to the page's previous receipt for this card, so a later answer of the visit is practice.
      const receipt = issueReceipt(await receiptKey(receipts), { lessonId, itemId, answer, outcome, at: new Date(), previous });
      return json(200, { ...outcome, recorded: false, receipt }, { 'Cache-Control': 'no-store' });
    }
    const { card, scheduled } = await recordForLearner(store, { sub: context.caller.sub, key: { ...key, lessonId }, answer, outcome, source: 'attempt', at: new Date() });
    // A practice answer (a second answer in the same visit) is graded and stored but leaves the card as it was.
    return json(201, { ...outcome, recorded: true, practice: !scheduled, nextReview: card?.due }, { 'Cache-Control': 'no-store' });
  },
);
