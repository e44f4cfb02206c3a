import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStore } from '../../lambdas/store/client';
import { keys } from '../../lambdas/store/keys';
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
const mcq = (choices: string[]) => ({ itemId: 'pkce-protects', answer: { choices } });

async function userItems(sub: string) {
  const result = await api.store.doc.send(
    new QueryCommand({ TableName: api.store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.user(sub).pk } }),
  );
  return result.Items ?? [];
}

async function itemStats(itemId: string) {
  await api.settle();
  const token = await api.issuer.mintAccessToken('alan');
  const stats = await api.call({ method: 'GET', path: `/api/authors/lessons/${LESSON}/stats`, token });
  return stats.body.items.find((i: { itemId: string }) => i.itemId === itemId);
}

describe('POST /api/lessons/{id}/attempts', () => {
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
    await api.call({ method: 'POST', path: attemptsPath, token, body: { itemId: 'code-flow-recall', answer: { rating: 'again' } } });
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();

    // Act
    const dueNow = await api.call({ method: 'GET', path: '/api/me/reviews', token, query: { due: 'now' } });
    const dueLater = await api.call({ method: 'GET', path: '/api/me/reviews', token, query: { due: inAnHour } });
    const review = await api.call({ method: 'POST', path: `/api/me/reviews/${LESSON}.code-flow-recall`, token, body: { answer: { rating: 'good' } } });

    // Assess
    expect(dueNow.status).toBe(200);
    expect(dueNow.body.cards.map((c: { id: string }) => c.id)).not.toContain(`${LESSON}.code-flow-recall`);
    expect(dueLater.body.cards.map((c: { id: string }) => c.id)).toContain(`${LESSON}.code-flow-recall`);
    expect(review.status).toBe(200);
    expect(review.body).toMatchObject({ kind: 'recall', rating: 'good' });
    expect(Date.parse(review.body.nextReview)).toBeGreaterThan(Date.parse(dueLater.body.cards.find((c: { id: string }) => c.id === `${LESSON}.code-flow-recall`).due));
  });

  it("answers 404 when reviewing another learner's card", async () => {
    // Prepare: ada has a card for code-flow-recall (test above); grace has never met that item.
    const token = await api.issuer.mintAccessToken('grace');
    const adaCard = `${LESSON}.code-flow-recall`;

    // Act
    const response = await api.call({ method: 'POST', path: `/api/me/reviews/${adaCard}`, token, body: { answer: { rating: 'easy' } } });
    const queue = await api.call({ method: 'GET', path: '/api/me/reviews', token, query: { due: new Date(Date.now() + 30 * 86400_000).toISOString() } });

    // Assess
    expect(response.status).toBe(404);
    expect(queue.body.cards.map((c: { id: string }) => c.id)).not.toContain(adaCard);
  });

  it('has exactly one effect for a review retried ten times at once with one Idempotency-Key', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');
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

describe('progress', () => {
  it('records started and completed with the last position and lists it', async () => {
    const token = await api.issuer.mintAccessToken('ada');
    const started = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'started', position: 'why-pkce' } });
    const completed = await api.call({ method: 'PUT', path: `/api/me/progress/${LESSON}`, token, body: { status: 'completed' } });
    const list = await api.call({ method: 'GET', path: '/api/me/progress', token });
    expect(started.body).toMatchObject({ status: 'started', position: 'why-pkce', version: 1 });
    expect(completed.body).toMatchObject({ status: 'completed', position: 'why-pkce', version: 2 });
    expect(list.body.lessons).toEqual([completed.body]);
  });

  it('loses no update when two tabs write at once', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('grace');
    const lesson = 'id-tokens-vs-access-tokens';

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
    });
    expect(deleted.status).toBe(204);
    expect(await userItems(sub)).toEqual([]);
    // Deleting ended every session: the token used for it is refused from then on.
    expect(exportedAfter.status).toBe(401);
    expect((await userItems('ada')).length).toBe(othersBefore);
  });
});
