import { cardItemOf, isDue, parseCardItem } from '../domain/cards';
import { previews } from '../domain/scheduling';
import { dayIn, streak } from '../domain/settings';
import { callerOf } from '../middleware/auth';
import { countMetric, logger } from '../middleware/observability';
import { json, problem } from '../middleware/problem';
import { getSettings } from '../store/account';
import { getAnswerKey } from '../store/answer-keys';
import { defaultStore, type Store } from '../store/client';
import { learnerStats } from '../domain/stats';
import { listActivityDays, listReviewLogs } from '../store/review-logs';
import { getCard, listCards, listCardsDueAfter, listCardsDueBy, type StoredCard } from '../store/reviews';
import { gradeOrReject, migrateOldRecallCard, recordForLearner } from './answers';
import { httpHandler } from './http';
import { reviewsFunction } from './routes';
import { notFound, parseBody, pathParam, queryParams } from './input';
import { cardIdSchema, reviewBodySchema, reviewsQuerySchema } from './schemas';

/**
 * Old whole-recall cards in the queue become one card per prompt (`migrateOldRecallCard`; answers
 * migrate on the write path too). True when a migration was tried, whoever won it (this request or
 * a concurrent one): the queue is read again. A card with nothing to split costs no second read. A
 * migration that fails (e.g. a throttled item) is logged and counted (`RecallMigrationFailed`) and
 * left for the next read; the queue is served with the old card meanwhile. Old cards are rare and
 * only ever fewer, so the look-ups here happen once per old card.
 */
async function migrateOldRecallCards(store: Store, sub: string, cards: StoredCard[]): Promise<boolean> {
  let tried = false;
  for (const card of cards) {
    if (card.kind !== 'recall' || parseCardItem(card.itemId).promptId) continue;
    try {
      if ((await migrateOldRecallCard(store, sub, card, await getAnswerKey(store, card.lessonId, card.itemId))) !== 'none') tried = true;
    } catch (error) {
      countMetric('RecallMigrationFailed');
      logger.warn('old recall card not migrated', { lessonId: card.lessonId, itemId: card.itemId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return tried;
}

/** The first instant of the next calendar day in a time zone (found by bisection, DST-safe). */
function endOfDay(now: Date, zone: string): Date {
  const today = dayIn(now, zone);
  let low = now.getTime();
  let high = low + 27 * 3_600_000;
  while (high - low > 1000) {
    const mid = Math.floor((low + high) / 2);
    if (dayIn(new Date(mid), zone) === today) low = mid;
    else high = mid;
  }
  return new Date(high);
}

/** new: met once on a lesson page and never reviewed; learning: in (re)learning steps; review: the rest. */
const category = (card: StoredCard) => (card.card.reps <= 1 ? 'new' : card.card.state === 'review' ? 'review' : 'learning');

const cardView = (c: StoredCard) => ({ id: `${c.lessonId}.${c.itemId}`, lessonId: c.lessonId, itemId: c.itemId, kind: c.kind, due: c.card.due, state: c.card.state, reps: c.card.reps });

/**
 * GET /api/me/reviews?due=now — the learner's cards due at that time, earliest first, each with the
 * due time every rating would give (computed by the scheduler that will schedule it); the counts of
 * new / learning / review cards due by the end of the learner's day; the next cards coming up; and
 * today's goal, answers and streak. Old whole-recall cards are split per prompt on the way.
 * POST /api/me/reviews/{itemId} — one review of a due card: graded items are answered again
 * (correct → good, incorrect → again), recall prompts self-rated. An answer to a card that is not
 * due (a duplicate for the same due time) is graded but schedules nothing.
 * GET /api/me/stats — forecast, reviews per day, true retention and accuracy (see `learnerStats`).
 */
export const handler = httpHandler(
  reviewsFunction,
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.routeKey === 'GET /api/me/stats') {
      const [settings, days, logs, cards] = await Promise.all([getSettings(store, sub), listActivityDays(store, sub), listReviewLogs(store, sub), listCards(store, sub)]);
      return json(200, learnerStats({ settings, days, logs, cards: cards.map((c) => c.card), now: new Date() }), { 'Cache-Control': 'no-store' });
    }
    if (event.requestContext.http.method === 'GET') {
      const { due, limit } = queryParams(event, reviewsQuerySchema);
      const at = due === 'now' ? new Date() : new Date(due);
      const [settings, days] = await Promise.all([getSettings(store, sub), listActivityDays(store, sub)]);
      const until = endOfDay(at, settings.timeZone);
      // The day's queue and the next cards after now, from the due index; never the whole partition.
      const read = () => Promise.all([listCardsDueBy(store, sub, until), listCardsDueAfter(store, sub, at, limit)]);
      let [dayQueue, later] = await read();
      if (await migrateOldRecallCards(store, sub, [...dayQueue, ...later])) [dayQueue, later] = await read();
      const dueNow = dayQueue.filter((c) => isDue(c.card, at));
      const counts = { new: 0, learning: 0, review: 0 };
      for (const card of dayQueue) if (Date.parse(card.card.due) < until.getTime()) counts[category(card)]++;
      const today = dayIn(at, settings.timeZone);
      return json(
        200,
        {
          at: at.toISOString(),
          cards: dueNow.slice(0, limit).map((c) => ({ ...cardView(c), previews: previews(c.card, at, settings) })),
          dueCount: dueNow.length,
          counts,
          upcoming: later.map(cardView),
          today: { day: today, goal: settings.dailyGoal, done: days.find((d) => d.day === today)?.reviews ?? 0, streak: streak(days.filter((d) => d.reviews > 0).map((d) => d.day), at, settings.timeZone), endsAt: until.toISOString() },
        },
        { 'Cache-Control': 'no-store' },
      );
    }
    const [lessonId, cardItem] = pathParam(event, 'itemId', cardIdSchema);
    const { answer } = parseBody(event, reviewBodySchema);
    const { itemId } = parseCardItem(cardItem);
    // Only a card the caller has met can be reviewed; another learner's card is indistinguishable from none.
    const [card, key] = await Promise.all([getCard(store, sub, lessonId, cardItem), getAnswerKey(store, lessonId, itemId)]);
    if (!card || !key) throw notFound('You have no review card with this id.');
    if (cardItemOf(itemId, answer) !== cardItem) throw problem(400, 'Bad Request', { type: 'answer-mismatch', detail: `this card is answered for "${cardItem}"` });
    const outcome = gradeOrReject(key, answer);
    const next = await recordForLearner(store, { sub, key: { ...key, lessonId }, answer, outcome, source: 'review', at: new Date() });
    countMetric('ReviewRecorded');
    return json(200, { ...outcome, scheduled: next.scheduled, nextReview: next.card?.due, state: next.card?.state }, { 'Cache-Control': 'no-store' });
  },
);
