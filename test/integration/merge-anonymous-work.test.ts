import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { answerDigest, issueReceipt, signReceipt } from '../../lambdas/domain/receipt';
import * as keys from '../../lambdas/store/keys';
import { receiptKey as deriveReceiptKey, receiptKeySource } from '../../lambdas/session/key';
import { schedule } from '../../lambdas/domain/scheduling';
import { startTestApi, type TestApi } from '../support/api';

/**
 * POST /api/me/merge: answers given before signing in become the learner's attempts and cards, once,
 * and only with the receipt the anonymous grading returned (lesson, item, answer, outcome and time
 * signed by the server; each receipt merged by one learner, once).
 */
let api: TestApi;
let receiptKey: Buffer;
beforeAll(async () => {
  api = await startTestApi();
  receiptKey = Buffer.from(process.env.RECEIPT_KEY!, 'base64url');
});
afterAll(() => api?.stop());

const LESSON = 'authorization-code-pkce';
const ORDER = ['make-verifier', 'redirect-authorize', 'sign-in', 'redirect-back', 'exchange', 'verify-and-issue'];
type Answer = { choices: string[] } | { order: string[] } | { prompt: string; rating: string };
type Work = { receipt: string; answer: Answer };

/**
 * Grades an answer without a session, as the site does before sign-in, and keeps what the site
 * keeps; `previous` is the receipt the site sends back for the same card (receipts chain per visit).
 */
async function answerAnonymously(itemId: string, answer: Answer, previous?: Work): Promise<Work> {
  const response = await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, body: { itemId, answer, ...(previous ? { previous: previous.receipt } : {}) } });
  expect(response.status).toBe(200);
  expect(response.body.recorded).toBe(false);
  return { receipt: response.body.receipt as string, answer };
}

const anonymousWork = async () => [
  await answerAnonymously('pkce-protects', { choices: ['stolen-token'] }),
  await answerAnonymously('code-flow-steps', { order: ORDER }),
  await answerAnonymously('code-flow-recall', { prompt: 'parties', rating: 'hard' }),
];

const claimsOf = (work: Work) => JSON.parse(Buffer.from(work.receipt.split('.')[0]!, 'base64url').toString()) as { id: string; at: number; seq: number; first: { id: string } };
const merge = async (token: string, attempts: Work[]) => api.call({ method: 'POST', path: '/api/me/merge', token, body: { attempts } });
const exportOf = async (token: string) => (await api.call({ method: 'GET', path: '/api/me/export', token })).body;
const statsOf = async () => (await api.call({ method: 'GET', path: `/api/authors/lessons/${LESSON}/stats`, token: await api.issuer.mintAccessToken('alan') })).body;
const attemptsOf = (stats: { items: { itemId: string; attempts: number }[] }) => Object.fromEntries(stats.items.map((i) => [i.itemId, i.attempts]));

describe('merging anonymous work on sign-in', () => {
  it('records graded attempts and recall ratings at their receipts\' times and schedules the cards from them', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('ada');
    const work = await anonymousWork();

    // Act
    const response = await merge(token, work);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ merged: 3, skipped: 0 });
    const data = await exportOf(token);
    const times = work.map((w) => new Date(claimsOf(w).at).toISOString());
    expect(data.attempts.map((a: { at: string; source: string }) => [a.at, a.source]).sort()).toEqual(times.map((at) => [at, 'merge']).sort());
    const mcq = data.cards.find((c: { itemId: string }) => c.itemId === 'pkce-protects');
    // The wrong choice is graded Again on the server, from the answer's own time.
    expect(mcq.card.due).toBe(schedule(undefined, 'again', new Date(times[0]!)).due);
    // A recall rating is one prompt's: that prompt's card, and no other, is scheduled.
    const recall = data.cards.find((c: { itemId: string }) => c.itemId === 'code-flow-recall--parties');
    expect(recall.card.due).toBe(schedule(undefined, 'hard', new Date(times[2]!)).due);
    expect(data.cards).toHaveLength(3);
    // Each merged answer is a scheduled one: a review log at its own time, counted on its own day.
    expect(data.reviewLogs.map((l: { at: string; source: string }) => [l.at, l.source]).sort()).toEqual(times.map((at) => [at, 'merge']).sort());
    expect(data.activityDays.reduce((n: number, d: { reviews: number }) => n + d.reviews, 0)).toBe(3);
  });

  it('follows the lesson-page rule at the receipts\' times: the first answer of a visit schedules, later and older ones are practice', async () => {
    // Prepare: receipts as the attempts function issues them, for a wrong answer 20 h ago, a right one
    // 19 h ago in the same visit, and one from 30 h ago that arrives in a later merge (another browser).
    const token = await api.issuer.mintAccessToken('margaret');
    const key = await deriveReceiptKey(receiptKeySource());
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    const answered = (answer: { choices: string[] }, at: Date): Work => ({
      receipt: issueReceipt(key, { lessonId: LESSON, itemId: 'pkce-protects', answer, outcome: { kind: 'mcq', itemId: 'pkce-protects', correct: answer.choices[0] === 'stolen-code', correctChoices: ['stolen-code'], explanations: {} }, at }),
      answer,
    });
    const first = answered({ choices: ['stolen-token'] }, hoursAgo(20));
    const sameVisit = answered({ choices: ['stolen-code'] }, hoursAgo(19));
    const older = answered({ choices: ['stolen-code'] }, hoursAgo(30));

    // Act
    const merged = await merge(token, [sameVisit, first]);
    const late = await merge(token, [older]);

    // Assess: all three are kept; only the first scheduled, so the card is where Again put it.
    expect([merged.body, late.body]).toEqual([{ merged: 2, skipped: 0 }, { merged: 1, skipped: 0 }]);
    const data = await exportOf(token);
    const at = (work: Work) => new Date(claimsOf(work).at).toISOString();
    expect(data.attempts.map((a: { at: string; scheduled: boolean }) => [a.at, a.scheduled]).sort()).toEqual([[at(older), false], [at(first), true], [at(sameVisit), false]].sort());
    expect(data.cards).toHaveLength(1);
    expect(data.cards[0].card.due).toBe(schedule(undefined, 'again', new Date(at(first))).due);
    expect(data.reviewLogs).toHaveLength(1);
  });

  it('is idempotent: merging the same work again records nothing and counts nothing twice', async () => {
    // Prepare
    const token = await api.issuer.mintAccessToken('grace');
    const work = await anonymousWork();
    await merge(token, work);
    const before = { data: await exportOf(token), stats: attemptsOf(await statsOf()) };

    // Act
    const again = await Promise.all([1, 2].map(() => merge(token, work)));

    // Assess
    for (const response of again) expect(response.body).toEqual({ merged: 0, skipped: 3 });
    const after = { data: await exportOf(token), stats: attemptsOf(await statsOf()) };
    expect(after.data.attempts).toHaveLength(3);
    expect(after.data.cards).toEqual(before.data.cards);
    expect(after.stats).toEqual(before.stats);
  });

  it('merges each receipt for one learner only: another learner presenting it gets nothing', async () => {
    // Prepare: katherine merges her work; alan presents a copy of it
    const work = await answerAnonymously('pkce-protects', { choices: ['stolen-code'] });
    await merge(api.issuer.signWithIssuerKey({ sub: 'katherine', aud: api.issuer.clientId }, { typ: 'at+jwt' }), [work]);
    const thief = api.issuer.signWithIssuerKey({ sub: 'mallory', aud: api.issuer.clientId }, { typ: 'at+jwt' });

    // Act
    const response = await merge(thief, [work]);

    // Assess
    expect(response.body).toEqual({ merged: 0, skipped: 1 });
    expect((await exportOf(thief)).attempts).toHaveLength(0);
  });

  it('refuses work without a valid receipt: made up, altered, for another answer, expired or from the future', async () => {
    // Prepare
    const token = api.issuer.signWithIssuerKey({ sub: 'edsger', aud: api.issuer.clientId }, { typ: 'at+jwt' });
    const genuine = await answerAnonymously('pkce-protects', { choices: ['stolen-code'] });
    const [body, signature] = genuine.receipt.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const otherKey = Buffer.alloc(32, 7);
    const signed = (changes: Record<string, unknown>, key = receiptKey) => signReceipt(key, { ...claims, id: randomUUID(), ...changes });
    const answer = { choices: ['stolen-code'] };
    const refused: Work[] = [
      { receipt: signed({}, otherKey), answer }, // not our key
      { receipt: `${Buffer.from(JSON.stringify({ ...claims, at: Date.now() - 3_600_000 })).toString('base64url')}.${signature}`, answer }, // time altered
      { receipt: genuine.receipt, answer: { choices: ['stolen-token'] } }, // another answer than the graded one
      { receipt: signed({ at: Date.now() - 31 * 86_400_000 }), answer }, // older than 30 days
      { receipt: signed({ at: Date.now() + 3_600_000 }), answer }, // from the future
      { receipt: signed({ itemId: 'no-such-item', answer: answerDigest(answer) }), answer }, // no such item
      { receipt: 'not-a-receipt', answer },
    ];

    // Act
    const response = await merge(token, refused);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ merged: 0, skipped: refused.length });
    expect((await exportOf(token)).attempts).toHaveLength(0);
  });

  it('merges a recall receipt only for the prompt it was given for', async () => {
    // Prepare
    const token = api.issuer.signWithIssuerKey({ sub: 'barbara', aud: api.issuer.clientId }, { typ: 'at+jwt' });
    const rated = await answerAnonymously('code-flow-recall', { prompt: 'parties', rating: 'easy' });

    // Act: the same receipt presented for another prompt of the item
    const moved = await merge(token, [{ receipt: rated.receipt, answer: { prompt: 'why-public', rating: 'easy' } }]);

    // Assess
    expect(moved.body).toEqual({ merged: 0, skipped: 1 });
    expect((await exportOf(token)).cards).toHaveLength(0);
  });

  it('refuses the old shape that carried the browser\'s own ids and times', async () => {
    const token = await api.issuer.mintAccessToken('alan');
    const old = { id: randomUUID(), lessonId: LESSON, itemId: 'pkce-protects', answer: { choices: ['stolen-code'] }, at: new Date().toISOString() };
    const response = await merge(token, [old as unknown as Work]);
    expect(response.status).toBe(400);
  });

  it('schedules from the first anonymous answer of a visit when only a later, right answer is merged (no cherry-picking)', async () => {
    // Prepare: every choice tried anonymously on the lesson page, as the site sends them (each with
    // the card's previous receipt); the hostile learner keeps only the receipt of the right one.
    const token = await api.issuer.mintAccessToken('frances');
    const wrong = await answerAnonymously('pkce-protects', { choices: ['stolen-token'] });
    const alsoWrong = await answerAnonymously('pkce-protects', { choices: ['phishing'] }, wrong);
    const right = await answerAnonymously('pkce-protects', { choices: ['stolen-code'] }, alsoWrong);

    // Act
    const response = await merge(token, [right]);

    // Assess: the first answer is recovered from the right answer's receipt and schedules (Again);
    // the right answer is history only.
    expect(claimsOf(right)).toMatchObject({ seq: 3, first: { id: claimsOf(wrong).id } });
    expect(response.body).toEqual({ merged: 2, skipped: 0 });
    const data = await exportOf(token);
    const at = (work: Work) => new Date(claimsOf(work).at).toISOString();
    expect(data.attempts.map((a: { at: string; answer: Answer; scheduled: boolean }) => [a.at, a.answer, a.scheduled]).sort()).toEqual(
      [[at(wrong), { choices: ['stolen-token'] }, true], [at(right), { choices: ['stolen-code'] }, false]].sort(),
    );
    expect(data.cards).toHaveLength(1);
    expect(data.cards[0].card.due).toBe(schedule(undefined, 'again', new Date(at(wrong))).due);
    expect(data.reviewLogs.map((l: { rating: string }) => l.rating)).toEqual(['again']);

    // Act again: the first receipt turns up later (another tab): it is the same answer, recorded once.
    const late = await merge(token, [wrong, alsoWrong]);
    expect(late.body).toEqual({ merged: 1, skipped: 1 });
    expect((await exportOf(token)).cards[0].card.due).toBe(data.cards[0].card.due);
  });

  it('keeps the claim of a recovered first answer as long as any receipt of its visit can still carry it', async () => {
    // Prepare: a wrong first answer, then a right one whose receipt carries it
    const token = await api.issuer.mintAccessToken('grace');
    const wrong = await answerAnonymously('pkce-protects', { choices: ['stolen-token'] });
    const right = await answerAnonymously('pkce-protects', { choices: ['stolen-code'] }, wrong);

    // Act
    await merge(token, [right]);

    // Assess: a later receipt of the visit is valid for 30 days from its own time, up to 4 hours
    // after the first answer: a claim expiring 30 days after the first answer would let that
    // receipt merge the first answer again, for another learner, in the gap.
    const claim = await api.store.doc.send(new GetCommand({ TableName: api.store.tableName, Key: keys.receipt(claimsOf(wrong).id) }));
    const latestCarrierExpiry = claimsOf(wrong).at + 30 * 86_400_000 + 4 * 3_600_000;
    expect(Number(claim.Item?.ttl) * 1000).toBeGreaterThanOrEqual(latestCarrierExpiry);
  });

  it('takes at most 50 receipts per request, with a message that says so', async () => {
    const token = await api.issuer.mintAccessToken('grace');
    const work = await answerAnonymously('pkce-protects', { choices: ['stolen-token'] });

    const response = await merge(token, Array.from({ length: 51 }, () => work));

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(/50/);
  });

  it('never lets merged work improve a card the account scheduled: a right answer is practice, only a lapse schedules', async () => {
    // Prepare: two items answered signed in (wrong, then right), five hours ago; then both answered
    // again anonymously, as a fresh private window would (no previous receipt): right, then wrong.
    const token = await api.issuer.mintAccessToken('ken');
    await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: { itemId: 'pkce-protects', answer: { choices: ['stolen-token'] } } });
    await api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: { itemId: 'code-flow-steps', answer: { order: ORDER } } });
    const fiveHoursAgo = new Date(Date.now() - 5 * 3_600_000).toISOString();
    for (const itemId of ['pkce-protects', 'code-flow-steps']) {
      await api.store.doc.send(new UpdateCommand({ TableName: api.store.tableName, Key: keys.card('ken', LESSON, itemId), UpdateExpression: 'SET card.lastReview = :at', ExpressionAttributeValues: { ':at': fiveHoursAgo } }));
    }
    const before = Object.fromEntries((await exportOf(token)).cards.map((c: { itemId: string; card: unknown }) => [c.itemId, c.card]));
    const right = await answerAnonymously('pkce-protects', { choices: ['stolen-code'] });
    const lapse = await answerAnonymously('code-flow-steps', { order: [...ORDER].reverse() });

    // Act
    const response = await merge(token, [right, lapse]);

    // Assess: the right answer changed nothing; the wrong one lapsed the card as a signed-in answer would.
    expect(response.body).toEqual({ merged: 2, skipped: 0 });
    const data = await exportOf(token);
    const cards = Object.fromEntries(data.cards.map((c: { itemId: string; card: unknown }) => [c.itemId, c.card]));
    expect(cards['pkce-protects']).toEqual(before['pkce-protects']);
    expect(cards['code-flow-steps']).toEqual(schedule(before['code-flow-steps'] as never, 'again', new Date(claimsOf(lapse).at)));
    const merged = data.attempts.filter((a: { source: string }) => a.source === 'merge');
    expect(merged.map((a: { itemId: string; scheduled: boolean }) => [a.itemId, a.scheduled]).sort()).toEqual([['code-flow-steps', true], ['pkce-protects', false]]);
  });

  it('merges a receipt issued before receipts were chained as practice only', async () => {
    // Prepare: a v1 receipt (no visit, no first answer), signed as the attempts function signed them.
    const token = await api.issuer.mintAccessToken('linus');
    const answer = { choices: ['stolen-code'] };
    const body = Buffer.from(JSON.stringify({ id: randomUUID(), lessonId: LESSON, itemId: 'pkce-protects', answer: answerDigest(answer), outcome: 'correct', at: Date.now() - 60_000 })).toString('base64url');
    const receipt = `${body}.${createHmac('sha256', receiptKey).update(`rungs-receipt-v1.${body}`).digest('base64url')}`;

    // Act
    const response = await merge(token, [{ receipt, answer }]);

    // Assess: kept in the history, no card scheduled from it.
    expect(response.body).toEqual({ merged: 1, skipped: 0 });
    const data = await exportOf(token);
    expect(data.attempts.map((a: { scheduled: boolean }) => a.scheduled)).toEqual([false]);
    expect(data.cards).toHaveLength(0);
  });

  it('needs a signed-in learner', async () => {
    const response = await api.call({ method: 'POST', path: '/api/me/merge', body: { attempts: [] } });
    expect(response.status).toBe(401);
  });
});
