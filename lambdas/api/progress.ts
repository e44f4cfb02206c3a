import { mergeProgress, progressUpdateSchema } from '../domain/progress';
import { callerOf } from '../middleware/auth';
import { json, problem } from '../middleware/problem';
import { lessonCardItems, lessonMastery, splitRecallCard } from '../domain/cards';
import type { AnswerKey } from '../domain/answer-key';
import { listAnswerKeys } from '../store/answer-keys';
import { defaultStore, type Store } from '../store/client';
import { listCards, listLessonCards, type StoredCard } from '../store/reviews';
import { getProgress, lessonExists, listProgress, putProgressIfUnchanged } from '../store/progress';
import { httpHandler } from './http';
import { progressFunction } from './routes';
import { notFound, parseBody, pathParam } from './input';
import { slugSchema } from './schemas';

const MAX_TRIES = 8;

/**
 * A lesson's cards as per-prompt cards: an old whole-recall card (written before each prompt had a
 * card of its own, split only when it next comes up in the review queue) counts for each of its
 * prompts, as the split will make it.
 */
function asPromptCards<T extends StoredCard>(cards: T[], answerKeys: AnswerKey[]): T[] {
  const keyOf = new Map(answerKeys.map((k) => [k.itemId, k]));
  return cards.flatMap((card) => splitRecallCard(card, keyOf.get(card.itemId)) ?? [card]);
}

/** Completed (every card answered) and mastery (right and not overdue) of each lesson the learner has cards in. */
async function masteryByLesson(store: Store, cards: StoredCard[], now: Date) {
  const byLesson = new Map<string, StoredCard[]>();
  for (const card of cards) byLesson.set(card.lessonId, [...(byLesson.get(card.lessonId) ?? []), card]);
  const entries = await Promise.all(
    [...byLesson].map(async ([lessonId, lessonCards]) => {
      const answerKeys = await listAnswerKeys(store, lessonId);
      return [lessonId, lessonMastery(lessonCardItems(answerKeys), asPromptCards(lessonCards, answerKeys), now)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Whether the server's record says the lesson is completed: every card it can give (each mcq,
 * ordering and recall prompt) has a scheduled answer, whichever visits they came from.
 */
async function answeredEveryItem(store: Store, sub: string, lessonId: string, now: Date): Promise<boolean> {
  const [answerKeys, cards] = await Promise.all([listAnswerKeys(store, lessonId), listLessonCards(store, sub, lessonId)]);
  return lessonMastery(lessonCardItems(answerKeys), asPromptCards(cards, answerKeys), now).completed;
}

/**
 * GET /api/me/progress — every lesson the learner has started, and per lesson with cards its
 * completion and mastery computed from the cards (see `lessonMastery`). PUT /api/me/progress/{lessonId} —
 * records that the lesson was started and the last position. Completion is never taken from the
 * client: the status written is "completed" exactly when the learner's cards cover every item of the
 * lesson (a claim the cards do not support is ignored), and GET reports a lesson whose cards cover
 * it as completed even when no write said so (its last item answered in another visit, or merged
 * from anonymous work after the progress). Two tabs writing at once both land: each write
 * is conditional on the version it read and, on a conflict, is merged again onto the newer state
 * (status never moves backwards). A client that sends `version` asks for a strict check instead: 409
 * with the current state when it is stale.
 */
export const handler = httpHandler(
  progressFunction,
  async (event, context) => {
    const { sub } = callerOf(context);
    const store = defaultStore();
    if (event.requestContext.http.method === 'GET') {
      const [stored, cards] = await Promise.all([listProgress(store, sub), listCards(store, sub)]);
      const mastery = await masteryByLesson(store, cards, new Date());
      const lessons = stored.map((entry) => (mastery[entry.lessonId]?.completed ? { ...entry, status: 'completed' as const } : entry));
      return json(200, { lessons, mastery }, { 'Cache-Control': 'no-store' });
    }
    const lessonId = pathParam(event, 'lessonId', slugSchema);
    const update = parseBody(event, progressUpdateSchema);
    if (!(await lessonExists(store, lessonId))) throw notFound(`No lesson "${lessonId}".`);
    const completed = await answeredEveryItem(store, sub, lessonId, new Date());
    const earned = { ...update, status: completed ? ('completed' as const) : ('started' as const) };
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const current = await getProgress(store, sub, lessonId);
      if (update.version !== undefined && update.version !== (current?.version ?? 0)) {
        throw problem(409, 'Conflict', { type: 'stale-version', detail: 'The progress changed since you read it.', extensions: { current: current ?? null } });
      }
      const next = mergeProgress(current, lessonId, earned, new Date().toISOString());
      if (await putProgressIfUnchanged(store, sub, next)) return json(200, next, { 'Cache-Control': 'no-store' });
    }
    throw problem(503, 'Service Unavailable', { type: 'contention', detail: 'Too many concurrent updates; retry.', headers: { 'Retry-After': '1' } });
  },
);
