import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStore } from '../../lambdas/store/client';
import { MIGRATION_ATTEMPTS } from '../../lambdas/store/reviews';
import * as keys from '../../lambdas/store/keys';
import { schedule } from '../../lambdas/domain/scheduling';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
let ada: string;
let grace: string;
beforeAll(async () => {
  api = await startTestApi();
  [ada, grace] = await Promise.all([api.issuer.mintAccessToken('ada'), api.issuer.mintAccessToken('grace')]);
});
afterAll(() => api?.stop());

const LESSON = 'authorization-code-pkce';
const attemptsPath = `/api/lessons/${LESSON}/attempts`;
const RECALL_CARD = `${LESSON}.code-flow-recall--parties`;
const mcq = (choices: string[]) => ({ itemId: 'pkce-protects', answer: { choices } });
/** One (wrong) answer to each of the lesson's six cards: two mcq, one ordering, three recall prompts. */
const WRONG_ANSWER_TO_EVERY_ITEM = [
  { itemId: 'pkce-protects', answer: { choices: ['phishing'] } },
  { itemId: 'challenge-method', answer: { choices: ['pkce-off'] } },
  { itemId: 'code-flow-steps', answer: { order: ['sign-in', 'make-verifier', 'redirect-authorize', 'redirect-back', 'exchange', 'verify-and-issue'] } },
  ...['parties', 'why-public', 'why-s256'].map((prompt) => ({ itemId: 'code-flow-recall', answer: { prompt, rating: 'again' } })),
];

/** A token for a learner of its own, whose partition no other test touches. */
const learnerToken = (sub: string) => api.issuer.signWithIssuerKey({ sub, aud: api.issuer.clientId }, { typ: 'at+jwt' });

async function userItems(sub: string) {
  const result = await api.store.doc.send(
    new QueryCommand({ TableName: api.store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.user(sub).pk } }),
  );
  return result.Items ?? [];
}

/** Moves a card's due time into the past, as if its interval had gone by. */
async function makeDue(sub: string, itemId: string) {
  const due = new Date(Date.now() - 60_000).toISOString();
  await api.store.doc.send(
    new UpdateCommand({
      TableName: api.store.tableName,
      Key: keys.card(sub, LESSON, itemId),
      UpdateExpression: 'SET card.#due = :due, gsi2sk = :sk',
      ExpressionAttributeNames: { '#due': 'due' },
      ExpressionAttributeValues: { ':due': due, ':sk': keys.cardDue(sub, due, LESSON, itemId).gsi2sk },
    }),
  );
}

async function itemStats(itemId: string) {
  await api.settle();
  const token = await api.issuer.mintAccessToken('alan');
  const stats = await api.call({ method: 'GET', path: `/api/authors/lessons/${LESSON}/stats`, token });
  return stats.body.items.find((i: { itemId: string }) => i.itemId === itemId);
}

describe('POST /api/lessons/{id}/attempts', () => {
  it('grades a question with several right choices as correct only for exactly those choices', async () => {
    // Prepare: token-properties in why-oauth has two right choices, scoped and revocable
    const attempt = (choices: string[]) => api.call({ method: 'POST', path: '/api/lessons/why-oauth/attempts', body: { itemId: 'token-properties', answer: { choices } } });

    // Act: one right and one wrong, one right only, both right in another order
    const answers = [await attempt(['scoped', 'never-expires']), await attempt(['scoped']), await attempt(['revocable', 'scoped'])];

    // Assess
    expect(answers.map((a) => [a.status, a.body.correct])).toEqual([
      [200, false],
      [200, false],
      [200, true],
    ]);
    expect([...answers[2]!.body.correctChoices].sort()).toEqual(['revocable', 'scoped']);
  });

  it('grades an anonymous answer with every explanation and stores nothing', async () => {
    // Prepare
    const before = await itemStats('pkce-protects');

    // Act
    const response = await api.call({ method: 'POST', path: attemptsPath, body: mcq(['stolen-token']) });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ kind: 'mcq', correct: false, correctChoices: ['stolen-code'], recorded: false });
    expect(Object.keys(response.body.explanations).sort()).toEqual(['csrf-only', 'phishing', 'stolen-code', 'stolen-token']);
    expect((await itemStats('pkce-protects')).attempts).toBe(before.attempts);
  });

  it('grades an ordering and reveals the correct order', async () => {
    // Prepare
    const steps = ['make-verifier', 'redirect-authorize', 'sign-in', 'redirect-back', 'exchange', 'verify-and-issue'];
    const swapped = [steps[1]!, steps[0]!, ...steps.slice(2)];

    // Act
    const right = await api.call({ method: 'POST', path: attemptsPath, body: { itemId: 'code-flow-steps', answer: { order: steps } } });
    const wrong = await api.call({ method: 'POST', path: attemptsPath, body: { itemId: 'code-flow-steps', answer: { order: swapped } } });
    const incomplete = await api.call({ method: 'POST', path: attemptsPath, body: { itemId: 'code-flow-steps', answer: { order: steps.slice(1) } } });

    // Assess
    expect(right.body).toMatchObject({ kind: 'ordering', correct: true, correctOrder: steps });
    expect(wrong.body).toMatchObject({ correct: false, correctOrder: steps });
    expect(incomplete.status).toBe(400);
  });

  it('stores a signed-in attempt, counts it in the item statistics and schedules a review card', async () => {
    // Prepare
    const before = await itemStats('pkce-protects');

    // Act
    const response = await api.call({ method: 'POST', path: attemptsPath, token: ada, body: mcq(['stolen-code']) });

    // Assess
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ correct: true, recorded: true });
    expect(Date.parse(response.body.nextReview)).toBeGreaterThan(Date.now());
    const after = await itemStats('pkce-protects');
    expect(after.attempts).toBe(before.attempts + 1);
    expect(after.correct).toBe(before.correct + 1);
    expect(after.picks['stolen-code']).toBe(before.picks['stolen-code'] + 1);
    const items = await userItems('ada');
    expect(items.filter((i) => i.type === 'attempt')).toHaveLength(1);
    expect(items.filter((i) => i.type === 'card')).toMatchObject([{ lessonId: LESSON, itemId: 'pkce-protects', kind: 'mcq', version: 1 }]);
  });

  it('answers 404 for an unknown item and 400 for an answer that does not fit the item', async () => {
    expect((await api.call({ method: 'POST', path: attemptsPath, body: { itemId: 'no-such-item', answer: { choices: ['a'] } } })).status).toBe(404);
    expect((await api.call({ method: 'POST', path: '/api/lessons/no-such-lesson/attempts', body: mcq(['stolen-code']) })).status).toBe(404);
    const wrongKind = await api.call({ method: 'POST', path: attemptsPath, body: { itemId: 'pkce-protects', answer: { order: ['a', 'b'] } } });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.type).toBe('/problems/answer-mismatch');
    expect((await api.call({ method: 'POST', path: attemptsPath, body: mcq(['not-a-choice']) })).status).toBe(400);
  });

  it('has exactly one effect for the same Idempotency-Key sent ten times at once', async () => {
    // Prepare
    const before = await itemStats('pkce-protects');
    const request = { method: 'POST' as const, path: attemptsPath, token: grace, body: mcq(['phishing']), headers: { 'idempotency-key': 'attempt-42' } };

    // Act
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.call(request)));
    const retry = await api.call(request);

    // Assess
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).not.toHaveLength(0);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['ratelimit']).toMatch(/^"burst";r=\d+;t=\d+/);
    expect(retry.body).toEqual(responses.find((r) => r.status === 201 && !r.headers['idempotent-replayed'])!.body);
    const after = await itemStats('pkce-protects');
    expect(after.attempts).toBe(before.attempts + 1);
    expect((await userItems('grace')).filter((i) => i.type === 'attempt')).toHaveLength(1);
  });

  it('never runs a retry twice when storing the first response fails', async () => {
    // Prepare: the update that completes the idempotency record fails once, after the attempt is stored
    const before = await itemStats('pkce-protects');
    let failed = false;
    const stack = defaultStore().doc.middlewareStack;
    stack.add(
      (next) => async (args) => {
        const input = args.input as { ConditionExpression?: string; UpdateExpression?: string };
        if (!failed && input.UpdateExpression?.includes(':completed')) {
          failed = true;
          throw Object.assign(new Error('simulated timeout'), { name: 'TimeoutError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failCompleteOnce' },
    );
    const request = { method: 'POST' as const, path: attemptsPath, token: ada, body: mcq(['phishing']), headers: { 'idempotency-key': 'attempt-complete-fails' } };

    // Act
    const first = await api.call(request);
    const retry = await api.call(request);
    stack.remove('failCompleteOnce');

    // Assess: the learner got the real answer, the retry is held off, and there was one effect
    expect(failed).toBe(true);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(409);
    expect((await itemStats('pkce-protects')).attempts).toBe(before.attempts + 1);
  });

  it('refuses the same Idempotency-Key with a different body with 422', async () => {
    const headers = { 'idempotency-key': 'attempt-reused' };
    expect((await api.call({ method: 'POST', path: attemptsPath, token: grace, body: mcq(['csrf-only']), headers })).status).toBe(201);
    const reused = await api.call({ method: 'POST', path: attemptsPath, token: grace, body: mcq(['stolen-code']), headers });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('/problems/idempotency-key-reused');
  });

  it('releases the key when the request fails, so a corrected retry runs', async () => {
    const headers = { 'idempotency-key': 'attempt-fails-first' };
    expect((await api.call({ method: 'POST', path: attemptsPath, token: grace, rawBody: '{not json', headers })).status).toBe(400);
    expect((await api.call({ method: 'POST', path: attemptsPath, token: grace, rawBody: '{not json', headers })).status).toBe(400);
  });
});

describe('reviews', () => {
  it('lists due cards from the due index and moves a card on when it is reviewed', async () => {
    // Prepare: a wrong answer makes the card due again within minutes (FSRS learning step).
    const token = await api.issuer.mintAccessToken('ada');
    await api.call({ method: 'POST', path: attemptsPath, token, body: { itemId: 'code-flow-recall', answer: { prompt: 'parties', rating: 'again' } } });
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();

    // Act
    const dueNow = await api.call({ method: 'GET', path: '/api/me/reviews', token, query: { due: 'now' } });
    const dueLater = await api.call({ method: 'GET', path: '/api/me/reviews', token, query: { due: inAnHour } });
    const review = await api.call({ method: 'POST', path: `/api/me/reviews/${RECALL_CARD}`, token, body: { answer: { prompt: 'parties', rating: 'good' } } });

    // Assess
    expect(dueNow.status).toBe(200);
    expect(dueNow.body.cards.map((c: { id: string }) => c.id)).not.toContain(RECALL_CARD);
    expect(dueLater.body.cards.map((c: { id: string }) => c.id)).toContain(RECALL_CARD);
    // Reviewed before it is due: graded, not scheduled.
    expect(review.status).toBe(200);
    expect(review.body).toMatchObject({ kind: 'recall', prompt: 'parties', rating: 'good', scheduled: false });
    expect(review.body.nextReview).toBe(dueLater.body.cards.find((c: { id: string }) => c.id === RECALL_CARD).due);
  });

  it("answers 404 when reviewing another learner's card", async () => {
    // Prepare: ada has a card for code-flow-recall (test above); grace has never met that item.
    const token = await api.issuer.mintAccessToken('grace');
    const adaCard = RECALL_CARD;

    // Act
    const response = await api.call({ method: 'POST', path: `/api/me/reviews/${adaCard}`, token, body: { answer: { prompt: 'parties', rating: 'easy' } } });
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token, query: { due: new Date(Date.now() + 30 * 86400_000).toISOString() } });

    // Assess
    expect(response.status).toBe(404);
    expect(queue.body.cards.map((c: { id: string }) => c.id)).not.toContain(adaCard);
  });

  it('has exactly one effect for a review retried ten times at once with one Idempotency-Key', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');
    await makeDue('ada', 'pkce-protects');
    const cardBefore = (await userItems('ada')).find((i) => i.sk === keys.card('ada', LESSON, 'pkce-protects').sk)!;
    const request = { method: 'POST' as const, path: `/api/me/reviews/${LESSON}.pkce-protects`, token, body: { answer: { choices: ['stolen-code'] } }, headers: { 'idempotency-key': 'review-7' } };

    // Act
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.call(request)));

    // Assess
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const cardAfter = (await userItems('ada')).find((i) => i.sk === cardBefore.sk)!;
    expect(cardAfter.version).toBe(cardBefore.version + 1);
  });
});

describe('honest scheduling', () => {
  it('schedules the first lesson answer of a visit and treats the next ones as practice', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('linus');

    // Act: wrong first, then the answer the explanations just revealed.
    const first = await api.call({ method: 'POST', path: attemptsPath, token, body: mcq(['phishing']) });
    const second = await api.call({ method: 'POST', path: attemptsPath, token, body: mcq(['stolen-code']) });

    // Assess
    expect(first.body).toMatchObject({ correct: false, practice: false });
    expect(second.body).toMatchObject({ correct: true, practice: true, nextReview: first.body.nextReview });
    const items = await userItems('linus');
    expect(items.filter((i) => i.type === 'attempt').map((i) => i.scheduled).sort()).toEqual([false, true]);
    expect(items.filter((i) => i.type === 'card')).toMatchObject([{ itemId: 'pkce-protects', version: 1, lastCorrect: false }]);
    expect(items.filter((i) => i.type === 'reviewLog')).toHaveLength(1);
  });

  it('schedules one review per card per due time: a second answer changes nothing', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('linus');
    await makeDue('linus', 'pkce-protects');
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token });
    const shown = queue.body.cards.find((c: { id: string }) => c.id === `${LESSON}.pkce-protects`);

    // Act
    const path = `/api/me/reviews/${LESSON}.pkce-protects`;
    const first = await api.call({ method: 'POST', path, token, body: { answer: { choices: ['stolen-code'] } }, headers: { 'idempotency-key': 'r-1' } });
    const duplicate = await api.call({ method: 'POST', path, token, body: { answer: { choices: ['phishing'] } }, headers: { 'idempotency-key': 'r-2' } });

    // Assess: the preview for Good is what the server scheduled (to the second: the review came a moment later).
    expect(queue.body).toMatchObject({ dueCount: 1, counts: { new: 1, learning: 0, review: 0 } });
    expect(Math.abs(Date.parse(first.body.nextReview) - Date.parse(shown.previews.good))).toBeLessThan(60_000);
    expect(first.body).toMatchObject({ scheduled: true });
    expect(duplicate.body).toMatchObject({ correct: false, scheduled: false, nextReview: first.body.nextReview });
    expect((await userItems('linus')).filter((i) => i.type === 'reviewLog')).toHaveLength(2);
  });

  it('shows completion and mastery apart: every item answered wrongly is completed with mastery 0', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('edsger');

    // Act
    for (const body of WRONG_ANSWER_TO_EVERY_ITEM) await api.call({ method: 'POST', path: attemptsPath, token, body });
    const progress = await api.call({ method: 'GET', path: '/api/me/progress', token });

    // Assess
    expect(progress.body.mastery[LESSON]).toMatchObject({ total: 6, answered: 6, completed: true, mastered: 0 });
  });

  it('migrates an old whole-recall card into one card per prompt without moving its schedule', async () => {
    // Prepare: a card as written before prompts had their own.
    const token = await api.issuer.mintAccessToken('barbara');
    const card = { due: '2027-01-05T10:00:00.000Z', stability: 8, difficulty: 5, elapsedDays: 0, scheduledDays: 8, learningSteps: 0, reps: 2, lapses: 0, state: 'review', lastReview: '2026-12-28T10:00:00.000Z' };
    await api.store.doc.send(new PutCommand({ TableName: api.store.tableName, Item: { ...keys.card('barbara', LESSON, 'code-flow-recall'), ...keys.cardDue('barbara', card.due, LESSON, 'code-flow-recall'), type: 'card', lessonId: LESSON, itemId: 'code-flow-recall', kind: 'recall', card, version: 4 } }));

    // Act
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token });
    const again = await api.call({ method: 'GET', path: '/api/me/reviews', token });

    // Assess
    expect(queue.status).toBe(200);
    const cards = (await userItems('barbara')).filter((i) => i.type === 'card');
    expect(cards.map((c) => c.itemId).sort()).toEqual(['code-flow-recall--parties', 'code-flow-recall--why-public', 'code-flow-recall--why-s256']);
    expect(cards.every((c) => c.card.due === card.due && c.card.stability === 8 && c.gsi2sk.startsWith(card.due))).toBe(true);
    expect(again.body.upcoming).toHaveLength(3);
  });

  it('migrates an old whole-recall card when a prompt is answered before the queue is ever read, continuing its history', async () => {
    // Prepare: an old whole-recall card, last reviewed three days ago and due in two, never migrated.
    const token = await api.issuer.mintAccessToken('hedy');
    const daysFromNow = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
    const card = { due: daysFromNow(2), stability: 5, difficulty: 5, elapsedDays: 0, scheduledDays: 5, learningSteps: 0, reps: 2, lapses: 0, state: 'review' as const, lastReview: daysFromNow(-3) };
    await api.store.doc.send(new PutCommand({ TableName: api.store.tableName, Item: { ...keys.card('hedy', LESSON, 'code-flow-recall'), ...keys.cardDue('hedy', card.due, LESSON, 'code-flow-recall'), type: 'card', lessonId: LESSON, itemId: 'code-flow-recall', kind: 'recall', card, version: 4 } }));

    // Act: one prompt rated on the lesson page (a new visit: it schedules), then the queue.
    const answered = await api.call({ method: 'POST', path: attemptsPath, token, body: { itemId: 'code-flow-recall', answer: { prompt: 'parties', rating: 'again' } } });
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token });

    // Assess: the old card is gone; the answered prompt moved on from the old schedule (not from a
    // new card), the others kept it; one card per prompt, nothing twice in the due index.
    expect(answered.status).toBe(201);
    expect(answered.body.practice).toBe(false);
    const items = await userItems('hedy');
    const cards = items.filter((i) => i.type === 'card');
    const afterAgain = schedule(card, 'again', new Date(items.find((i) => i.type === 'reviewLog')!.at));
    expect(Object.fromEntries(cards.map((c) => [c.itemId, c.card.due]))).toEqual({ 'code-flow-recall--parties': afterAgain.due, 'code-flow-recall--why-public': card.due, 'code-flow-recall--why-s256': card.due });
    expect(cards.find((c) => c.itemId === 'code-flow-recall--parties')!.card).toMatchObject({ reps: 3, lapses: 1 });
    const log = items.find((i) => i.type === 'reviewLog')!;
    expect(log.before).toEqual(card);
    const queued = [...queue.body.cards, ...queue.body.upcoming].map((c: { itemId: string }) => c.itemId).sort();
    expect(queued).toEqual(['code-flow-recall--parties', 'code-flow-recall--why-public', 'code-flow-recall--why-s256']);
  });

  /** Cancels the next `times` transactions that delete `key` as DynamoDB would for `code`, on the handlers' store. */
  function cancelMigration(key: { pk: string; sk: string }, code: string, times: number) {
    let cancelled = 0;
    const stack = defaultStore().doc.middlewareStack;
    stack.add(
      (next, context) => async (args) => {
        const items = (args.input as { TransactItems?: { Delete?: { Key?: Record<string, unknown> } }[] }).TransactItems ?? [];
        const deletesOld = items.some((action) => action.Delete?.Key?.pk === key.pk && action.Delete?.Key?.sk === key.sk);
        if (context.commandName === 'TransactWriteItemsCommand' && deletesOld && cancelled < times) {
          cancelled += 1;
          throw Object.assign(new Error(`Transaction cancelled, please refer cancellation reasons for specific reasons [${code}]`), {
            name: 'TransactionCanceledException',
            $fault: 'client',
            CancellationReasons: items.map((_, i) => ({ Code: i === 0 ? code : 'None' })),
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'cancelMigration' },
    );
    return { cancelled: () => cancelled, remove: () => stack.remove('cancelMigration') };
  }

  const oldRecallCard = async (sub: string) => {
    const card = { due: '2027-01-05T10:00:00.000Z', stability: 8, difficulty: 5, elapsedDays: 0, scheduledDays: 8, learningSteps: 0, reps: 2, lapses: 0, state: 'review', lastReview: '2026-12-28T10:00:00.000Z' };
    await api.store.doc.send(new PutCommand({ TableName: api.store.tableName, Item: { ...keys.card(sub, LESSON, 'code-flow-recall'), ...keys.cardDue(sub, card.due, LESSON, 'code-flow-recall'), type: 'card', lessonId: LESSON, itemId: 'code-flow-recall', kind: 'recall', card, version: 4 } }));
    return keys.card(sub, LESSON, 'code-flow-recall');
  };

  const promptCards = ['code-flow-recall--parties', 'code-flow-recall--why-public', 'code-flow-recall--why-s256'];
  const queued = (body: { cards: { itemId: string }[]; upcoming: { itemId: string }[] }) => [...body.cards, ...body.upcoming].map((c) => c.itemId).sort();

  it('migrates an old whole-recall card even when another transaction held one of its items at first', async () => {
    // Prepare: DynamoDB cancels the first two tries (TransactionConflict); DynamoDB Local never would
    const token = await api.issuer.mintAccessToken('annie');
    const conflict = cancelMigration(await oldRecallCard('annie'), 'TransactionConflict', 2);

    // Act
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token }).finally(conflict.remove);

    // Assess: the third try migrated it (the cancelled ones wrote nothing), and the answer shows it
    expect(conflict.cancelled()).toBe(2);
    expect(queue.status).toBe(200);
    expect(queued(queue.body)).toEqual(promptCards);
    expect((await userItems('annie')).filter((i) => i.type === 'card').map((c) => c.itemId).sort()).toEqual(promptCards);
  });

  it('stops after three tries while the conflict lasts and serves the queue with the old card', async () => {
    // Prepare: every try is cancelled
    const token = await api.issuer.mintAccessToken('joan');
    const conflict = cancelMigration(await oldRecallCard('joan'), 'TransactionConflict', Number.POSITIVE_INFINITY);

    // Act
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token }).finally(conflict.remove);
    const later = await api.call({ method: 'GET', path: '/api/me/reviews', token });

    // Assess: exactly MIGRATION_ATTEMPTS sends, the old card still served; the next read migrates
    expect(conflict.cancelled()).toBe(MIGRATION_ATTEMPTS);
    expect(queue.status).toBe(200);
    expect(queued(queue.body)).toEqual(['code-flow-recall']);
    expect(queued(later.body)).toEqual(promptCards);
  });

  it('serves the queue with the old card when a migration is cancelled for another reason, and migrates on the next read', async () => {
    // Prepare: e.g. a throttled item inside the transaction; nothing may read it as "someone else migrated it"
    const token = await api.issuer.mintAccessToken('dorothy');
    const throttled = cancelMigration(await oldRecallCard('dorothy'), 'ThrottlingError', 1);

    // Act
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token }).finally(throttled.remove);
    const later = await api.call({ method: 'GET', path: '/api/me/reviews', token });

    // Assess
    expect(throttled.cancelled()).toBe(1);
    expect(queue.status).toBe(200);
    expect(queued(queue.body)).toEqual(['code-flow-recall']);
    expect(later.status).toBe(200);
    expect(queued(later.body)).toEqual(promptCards);
    expect((await userItems('dorothy')).filter((i) => i.type === 'card')).toHaveLength(3);
  });

  it('saves settings and schedules with the desired retention', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('margaret');
    const saved = await api.call({ method: 'PUT', path: '/api/me/settings', token, body: { desiredRetention: 0.97, timeZone: 'Europe/Berlin' } });
    const invalid = await api.call({ method: 'PUT', path: '/api/me/settings', token, body: { desiredRetention: 0.5 } });
    const easy = { itemId: 'code-flow-recall', answer: { prompt: 'why-public', rating: 'easy' } };

    // Act: the same first rating by a learner at 0.97 and one at the default 0.90
    const attempt = await api.call({ method: 'POST', path: attemptsPath, token, body: easy });
    const atDefault = await api.call({ method: 'POST', path: attemptsPath, token: await api.issuer.mintAccessToken('katherine'), body: easy });

    // Assess: a higher target brings the card back days sooner (about 2 days against 8)
    expect(saved.body).toEqual({ dailyGoal: 20, timeZone: 'Europe/Berlin', desiredRetention: 0.97 });
    expect(invalid.status).toBe(400);
    expect(Date.parse(atDefault.body.nextReview) - Date.parse(attempt.body.nextReview)).toBeGreaterThan(4 * 86_400_000);
  });

  it("schedules with the learner's own FSRS parameters from the settings item, and a settings update keeps them", async () => {
    // Prepare: what an optimizer writes (w[3], the stability after a first Easy, four times the default).
    const { default_w } = await import('ts-fsrs');
    const w = default_w.map((value, i) => (i === 3 ? value * 4 : value));
    const token = await api.issuer.mintAccessToken('frances');
    const other = await api.issuer.mintAccessToken('ken');
    await api.store.doc.send(new UpdateCommand({ TableName: api.store.tableName, Key: keys.settings('frances'), UpdateExpression: 'SET #type = :type, w = :w', ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':type': 'settings', ':w': w } }));
    const easy = { itemId: 'code-flow-recall', answer: { prompt: 'why-s256', rating: 'easy' } };

    // Act
    const updated = await api.call({ method: 'PUT', path: '/api/me/settings', token, body: { dailyGoal: 5 } });
    const refused = await api.call({ method: 'PUT', path: '/api/me/settings', token, body: { w: default_w } });
    const fitted = await api.call({ method: 'POST', path: attemptsPath, token, body: easy });
    const defaults = await api.call({ method: 'POST', path: attemptsPath, token: other, body: easy });

    // Assess
    expect(updated.body).toEqual({ dailyGoal: 5, timeZone: 'UTC', desiredRetention: 0.9, w });
    expect(refused.status).toBe(400);
    expect((await api.call({ method: 'GET', path: '/api/me/settings', token })).body.w).toEqual(w);
    expect(Date.parse(fitted.body.nextReview) - Date.parse(defaults.body.nextReview)).toBeGreaterThan(7 * 86_400_000);
    // Parameters that do not parse fall back to FSRS's defaults and take no other setting with them.
    await api.store.doc.send(new UpdateCommand({ TableName: api.store.tableName, Key: keys.settings('frances'), UpdateExpression: 'SET w = :w', ExpressionAttributeValues: { ':w': [1, 2, 3] } }));
    expect((await api.call({ method: 'GET', path: '/api/me/settings', token })).body).toEqual({ dailyGoal: 5, timeZone: 'UTC', desiredRetention: 0.9 });
  });
});

describe('progress', () => {
  it('records started and completed with the last position and lists it', async () => {
    const token = await api.issuer.mintAccessToken('ada');
    const started = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started', position: 'why-pkce' } });
    for (const body of WRONG_ANSWER_TO_EVERY_ITEM) await api.call({ method: 'POST', path: attemptsPath, token, body });
    const completed = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'completed' } });
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });
    expect(started.body).toMatchObject({ status: 'started', position: 'why-pkce', version: 1 });
    expect(completed.body).toMatchObject({ status: 'completed', position: 'why-pkce', version: 2 });
    expect(list.body.lessons).toEqual([completed.body]);
  });

  it('loses no update when two tabs write at once', async () => {
    // Prepare
    const token = learnerToken('progress-two-tabs');
    const lesson = LESSON;
    for (const body of WRONG_ANSWER_TO_EVERY_ITEM) await api.call({ method: 'POST', path: attemptsPath, token, body });

    // Act: one tab completes the lesson while the other moves the position.
    const [a, b] = await Promise.all([
      api.call({ method: 'PUT', path: `/api/me/progress/${lesson}`, token, body: { status: 'completed' } }),
      api.call({ method: 'PUT', path: `/api/me/progress/${lesson}`, token, body: { status: 'started', position: 'which-token' } }),
    ]);

    // Assess
    expect([a.status, b.status]).toEqual([200, 200]);
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });
    expect(list.body.lessons.find((l: { lessonId: string }) => l.lessonId === lesson)).toMatchObject({ status: 'completed', position: 'which-token', version: 2 });
  });

  it('completes a lesson answered half in one visit and half in another', async () => {
    // Prepare: each page load only sees its own answers, so neither claims completion.
    const token = learnerToken('progress-two-visits');
    const [firstVisit, secondVisit] = [WRONG_ANSWER_TO_EVERY_ITEM.slice(0, 3), WRONG_ANSWER_TO_EVERY_ITEM.slice(3)];
    for (const body of firstVisit) await api.call({ method: 'POST', path: attemptsPath, token, body });
    const afterFirst = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started' } });

    // Act
    for (const body of secondVisit) await api.call({ method: 'POST', path: attemptsPath, token, body });
    const afterSecond = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started' } });
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });

    // Assess
    expect(afterFirst.body).toMatchObject({ status: 'started' });
    expect(afterSecond.body).toMatchObject({ status: 'completed' });
    expect(list.body.lessons).toEqual([afterSecond.body]);
    expect(list.body.mastery[LESSON]).toMatchObject({ answered: 6, completed: true });
  });

  it('reports a lesson completed once its cards cover every item, even when no progress write said so', async () => {
    // Prepare: the last answers came after the last progress write (e.g. merged from anonymous work).
    const token = learnerToken('progress-late-answers');
    await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started', position: 'intro' } });

    // Act
    for (const body of WRONG_ANSWER_TO_EVERY_ITEM) await api.call({ method: 'POST', path: attemptsPath, token, body });
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });

    // Assess
    expect(list.body.lessons).toEqual([expect.objectContaining({ lessonId: LESSON, status: 'completed', position: 'intro' })]);
  });

  it('counts an old whole-recall card, not yet split, for every prompt it will become', async () => {
    // Prepare: the three other items answered; the recall item only as one card from before prompts
    // had their own, due in a week (so no queue read has split it).
    const token = learnerToken('progress-old-recall');
    for (const body of WRONG_ANSWER_TO_EVERY_ITEM.slice(0, 3)) await api.call({ method: 'POST', path: attemptsPath, token, body });
    const card = { due: new Date(Date.now() + 7 * 86_400_000).toISOString(), stability: 8, difficulty: 5, elapsedDays: 0, scheduledDays: 8, learningSteps: 0, reps: 2, lapses: 0, state: 'review', lastReview: new Date(Date.now() - 86_400_000).toISOString() };
    await api.store.doc.send(new PutCommand({ TableName: api.store.tableName, Item: { ...keys.card('progress-old-recall', LESSON, 'code-flow-recall'), ...keys.cardDue('progress-old-recall', card.due, LESSON, 'code-flow-recall'), type: 'card', lessonId: LESSON, itemId: 'code-flow-recall', kind: 'recall', card, version: 4 } }));

    // Act
    const saved = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started' } });
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });

    // Assess
    expect(saved.body).toMatchObject({ status: 'completed' });
    expect(list.body.mastery[LESSON]).toMatchObject({ answered: 6, completed: true });
  });

  it('ignores a claim of completion that the learner\'s answers do not support', async () => {
    // Prepare: five of the six cards answered.
    const token = learnerToken('progress-claim');
    for (const body of WRONG_ANSWER_TO_EVERY_ITEM.slice(0, 5)) await api.call({ method: 'POST', path: attemptsPath, token, body });

    // Act
    const claimed = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'completed' } });
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });

    // Assess
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ status: 'started' });
    expect(claimed.body.completedAt).toBeUndefined();
    expect(list.body.lessons).toEqual([expect.objectContaining({ lessonId: LESSON, status: 'started' })]);
    expect(list.body.mastery[LESSON]).toMatchObject({ answered: 5, completed: false });
  });

  it('answers 409 with the current state to a strict write with a stale version', async () => {
    const token = await api.issuer.mintAccessToken('grace');
    const response = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started', version: 0 } });
    expect(response.status).toBe(200);
    const stale = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'completed', version: 0 } });
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ version: 1 });
  });

  it('answers 404 for progress on a lesson that does not exist', async () => {
    const token = await api.issuer.mintAccessToken('grace');
    expect((await api.call({ method: 'PUT', path: '/api/me/progress/no-such-lesson', token, body: { status: 'started' } })).status).toBe(404);
  });
});

describe('account', () => {
  it('exports what was written and deletes every item of the learner, and only theirs', async () => {
    // Prepare
    const sub = 'alan';
    // Deletion needs a recent sign-in (step-up): a token whose auth_time is now.
    const token = api.issuer.signWithIssuerKey({ sub, aud: api.issuer.clientId, auth_time: Math.floor(Date.now() / 1000) }, { typ: 'at+jwt' });
    await api.call({ method: 'POST', path: attemptsPath, token, body: mcq(['stolen-code']), headers: { 'idempotency-key': 'alan-1' } });
    await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started', position: 'intro' } });
    const othersBefore = (await userItems('ada')).length;

    // Act
    const exported = await api.call({ method: 'GET', path: '/api/me/export', token });
    const deleted = await api.call({ method: 'DELETE', path: '/api/me', token });
    const exportedAfter = await api.call({ method: 'GET', path: '/api/me/export', token });

    // Assess
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      sub,
      progress: [{ lessonId: LESSON, status: 'started', position: 'intro' }],
      attempts: [{ lessonId: LESSON, itemId: 'pkce-protects', correct: true, answer: { choices: ['stolen-code'] } }],
      cards: [{ lessonId: LESSON, itemId: 'pkce-protects' }],
      reviewLogs: [{ lessonId: LESSON, cardItem: 'pkce-protects', rating: 'good', elapsedDays: 0, after: { state: 'learning' } }],
    });
    expect(exported.body.reviewLogs[0].before).toBeUndefined();
    expect(deleted.status).toBe(204);
    expect(await userItems(sub)).toEqual([]);
    // Deleting ended every session: the token used for it is refused from then on.
    expect(exportedAfter.status).toBe(401);
    expect((await userItems('ada')).length).toBe(othersBefore);
  });
});
