import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedule } from '../../lambdas/domain/scheduling';
import { startTestApi, type TestApi } from '../support/api';

/** POST /api/me/merge: answers given before signing in become the learner's attempts and cards, once. */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

const LESSON = 'authorization-code-pkce';
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function anonymousWork() {
  return [
    { id: randomUUID(), lessonId: LESSON, itemId: 'pkce-protects', answer: { choices: ['stolen-token'] }, at: hoursAgo(50) },
    { id: randomUUID(), lessonId: LESSON, itemId: 'code-flow-steps', answer: { order: ['make-verifier', 'redirect-authorize', 'sign-in', 'redirect-back', 'exchange', 'verify-and-issue'] }, at: hoursAgo(49) },
    { id: randomUUID(), lessonId: LESSON, itemId: 'code-flow-recall', answer: { prompt: 'parties', rating: 'hard' }, at: hoursAgo(48) },
  ];
}

const exportOf = async (token: string) => (await api.call({ method: 'GET', path: '/api/me/export', token })).body;
const statsOf = async () => (await api.call({ method: 'GET', path: `/api/authors/lessons/${LESSON}/stats`, token: await api.issuer.mintAccessToken('alan') })).body;
const attemptsOf = (stats: { items: { itemId: string; attempts: number }[] }) => Object.fromEntries(stats.items.map((i) => [i.itemId, i.attempts]));

describe('merging anonymous work on sign-in', () => {
  it('records graded attempts and recall ratings at their original times and schedules the cards from them', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');
    const work = anonymousWork();

    // Act
    const response = await api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts: work } });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ merged: 3, skipped: 0 });
    const data = await exportOf(token);
    expect(data.attempts.map((a: { at: string; source: string }) => [a.at, a.source]).sort()).toEqual(work.map((w) => [w.at, 'merge']).sort());
    const mcq = data.cards.find((c: { itemId: string }) => c.itemId === 'pkce-protects');
    // The wrong choice is graded Again on the server, from the answer's own time.
    expect(mcq.card.due).toBe(schedule(undefined, 'again', new Date(work[0]!.at)).due);
    // A recall rating is one prompt's: that prompt's card, and no other, is scheduled.
    const recall = data.cards.find((c: { itemId: string }) => c.itemId === 'code-flow-recall--parties');
    expect(recall.card.due).toBe(schedule(undefined, 'hard', new Date(work[2]!.at)).due);
    expect(data.cards).toHaveLength(3);
    // Each merged answer is a scheduled one: a review log at its own time, counted on its own day.
    expect(data.reviewLogs.map((l: { at: string; source: string }) => [l.at, l.source])).toEqual(work.map((w) => [w.at, 'merge']));
    expect(data.activityDays.reduce((n: number, d: { reviews: number }) => n + d.reviews, 0)).toBe(3);
  });

  it('follows the lesson-page rule at the original times: the first answer of a visit schedules, later and older ones are practice', async () => {
    // Prepare: the first answer (wrong) 20 h ago, a right one 19 h ago in the same visit, and one
    // from 30 h ago that arrives in a later merge (say, from another browser).
    const token = await api.issuer.mintAccessToken('margaret');
    const first = { id: randomUUID(), lessonId: LESSON, itemId: 'pkce-protects', answer: { choices: ['stolen-token'] }, at: hoursAgo(20) };
    const sameVisit = { ...first, id: randomUUID(), answer: { choices: ['stolen-code'] }, at: hoursAgo(19) };
    const older = { ...first, id: randomUUID(), answer: { choices: ['stolen-code'] }, at: hoursAgo(30) };

    // Act
    const merged = await api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts: [sameVisit, first] } });
    const late = await api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts: [older] } });

    // Assess: all three are kept; only the first scheduled, so the card is where Again put it.
    expect([merged.body, late.body]).toEqual([{ merged: 2, skipped: 0 }, { merged: 1, skipped: 0 }]);
    const data = await exportOf(token);
    expect(data.attempts.map((a: { at: string; scheduled: boolean }) => [a.at, a.scheduled]).sort()).toEqual([[older.at, false], [first.at, true], [sameVisit.at, false]].sort());
    expect(data.cards).toHaveLength(1);
    expect(data.cards[0].card.due).toBe(schedule(undefined, 'again', new Date(first.at)).due);
    expect(data.reviewLogs).toHaveLength(1);
  });

  it('is idempotent: merging the same work again records nothing and counts nothing twice', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('grace');
    const work = anonymousWork();
    await api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts: work } });
    const before = { data: await exportOf(token), stats: attemptsOf(await statsOf()) };

    // Act
    const again = await Promise.all([1, 2].map(() => api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts: work } })));

    // Assess
    for (const response of again) expect(response.body).toEqual({ merged: 0, skipped: 3 });
    const after = { data: await exportOf(token), stats: attemptsOf(await statsOf()) };
    expect(after.data.attempts).toHaveLength(3);
    expect(after.data.cards).toEqual(before.data.cards);
    expect(after.stats).toEqual(before.stats);
  });

  it('skips answers from the future, older than 30 days, or for items that do not exist', async () => {
    const token = await api.issuer.mintAccessToken('alan');
    const base = anonymousWork()[0]!;
    const attempts = [
      { ...base, id: randomUUID(), at: new Date(Date.now() + 3_600_000).toISOString() },
      { ...base, id: randomUUID(), at: hoursAgo(31 * 24) },
      { ...base, id: randomUUID(), itemId: 'no-such-item' },
    ];
    const response = await api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts } });
    expect(response.body).toEqual({ merged: 0, skipped: 3 });
  });

  it('needs a signed-in learner', async () => {
    const response = await api.call({ method: 'POST', path: '/api/me/merge', body: { attempts: [] } });
    expect(response.status).toBe(401);
  });
});
