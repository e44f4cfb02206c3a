import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamPoller, tableStreamConsumers } from '../../bin/local/streams';
import { defaultStore } from '../../lambdas/store/client';
import { startTestApi, type TestApi } from '../support/api';

/**
 * DynamoDB cancels a transaction that touches an item another in-flight transaction touches
 * (TransactionConflict); DynamoDB Local serializes transactions instead. This wrapper restores
 * DynamoDB's behaviour on the handlers' store, holding each transaction in flight a little while so
 * concurrent requests really overlap.
 */
function refuseOverlappingTransactions(holdMs: number) {
  const inFlight = new Map<string, number>();
  let refused = 0;
  const stack = defaultStore().doc.middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const input = args.input as TransactWriteCommandInput;
      const touched = (input.TransactItems ?? []).map((action) => {
        const item = action.Put?.Item ?? action.Update?.Key ?? action.Delete?.Key ?? action.ConditionCheck?.Key ?? {};
        const table = action.Put?.TableName ?? action.Update?.TableName ?? action.Delete?.TableName ?? action.ConditionCheck?.TableName;
        return `${table}|${JSON.stringify(item.pk)}|${JSON.stringify(item.sk)}`;
      });
      if (touched.some((key) => inFlight.has(key))) {
        refused += 1;
        throw Object.assign(new Error('Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]'), {
          name: 'TransactionCanceledException',
          $fault: 'client',
          CancellationReasons: touched.map((key) => ({ Code: inFlight.has(key) ? 'TransactionConflict' : 'None' })),
        });
      }
      for (const key of touched) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      try {
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        return await next(args);
      } finally {
        for (const key of touched) {
          const n = inFlight.get(key)! - 1;
          if (n === 0) inFlight.delete(key);
          else inFlight.set(key, n);
        }
      }
    },
    { step: 'initialize', name: 'refuseOverlappingTransactions' },
  );
  return { refused: () => refused, remove: () => stack.remove('refuseOverlappingTransactions') };
}

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.stop());

const LESSON = 'authorization-code-pkce';
const LEARNERS = 40;

async function pkceStats() {
  await api.settle();
  const token = await api.issuer.mintAccessToken('alan');
  const stats = await api.call({ method: 'GET', path: `/api/authors/lessons/${LESSON}/stats`, token });
  return stats.body.items.find((i: { itemId: string }) => i.itemId === 'pkce-protects');
}

describe('item statistics under contention', () => {
  it('records every one of many concurrent answers to one item and counts each exactly once, also after the stream is replayed', async () => {
    // Prepare: DynamoDB's conflict rule on the store; forty learners with a token each
    const before = await pkceStats();
    const conflicts = refuseOverlappingTransactions(25);
    const tokens = Array.from({ length: LEARNERS }, (_, i) =>
      api.issuer.signWithIssuerKey({ sub: `learner-${i}`, aud: api.issuer.clientId, client_id: api.issuer.clientId }, { typ: 'at+jwt' }),
    );
    const choiceOf = (i: number) => (i % 4 === 0 ? 'phishing' : 'stolen-code');

    // Act: all answer the same question at once
    const responses = await Promise.all(
      tokens.map((token, i) => api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body: { itemId: 'pkce-protects', answer: { choices: [choiceOf(i)] } } })),
    );
    const after = await pkceStats();
    // ... and the whole stream is delivered again, as after a failed or retried batch
    const replay = await startStreamPoller({ endpoint: (api.store as { endpoint?: string }).endpoint!, tableName: api.store.tableName, consumers: tableStreamConsumers, intervalMs: 60_000 });
    await replay.drain();
    await replay.stop();
    const afterReplay = await pkceStats();
    conflicts.remove();

    // Assess
    expect(responses.map((r) => r.status)).toEqual(Array(LEARNERS).fill(201));
    const wrong = Array.from({ length: LEARNERS }, (_, i) => choiceOf(i)).filter((c) => c === 'phishing').length;
    expect(after.attempts - before.attempts).toBe(LEARNERS);
    expect(after.correct - before.correct).toBe(LEARNERS - wrong);
    expect(after.picks.phishing - before.picks.phishing).toBe(wrong);
    expect(after.picks['stolen-code'] - before.picks['stolen-code']).toBe(LEARNERS - wrong);
    expect(afterReplay).toEqual(after);
  });

  it.each([
    ['', 25, 'busy-learner'],
    // 100 ms on top of DynamoDB Local's own time: the earlier policy (5 tries within ~150 ms) fails it nearly always.
    [' while each transaction holds its items for 100 ms (a slow store)', 100, 'patient-learner'],
  ])('records one learner\'s answers to different items sent at once, which share the day\'s count%s', async (_case, holdMs, sub) => {
    // Prepare: DynamoDB's conflict rule; one learner, four exercises of the lesson answered together (two tabs, a merge)
    const conflicts = refuseOverlappingTransactions(holdMs);
    const token = api.issuer.signWithIssuerKey({ sub, aud: api.issuer.clientId, client_id: api.issuer.clientId }, { typ: 'at+jwt' });
    const answers = [
      { itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } },
      { itemId: 'challenge-method', answer: { choices: ['plain-default'] } },
      { itemId: 'code-flow-recall', answer: { prompt: 'parties', rating: 'good' } },
      { itemId: 'code-flow-recall', answer: { prompt: 'why-public', rating: 'easy' } },
    ];

    // Act
    const responses = await Promise.all(answers.map((body) => api.call({ method: 'POST', path: `/api/lessons/${LESSON}/attempts`, token, body })));
    const refused = conflicts.refused();
    conflicts.remove();

    // Assess: the transactions did collide on the day's count, and every answer was still stored and scheduled
    expect(refused).toBeGreaterThan(0);
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const data = (await api.call({ method: 'GET', path: '/api/me/export', token })).body;
    expect(data.attempts).toHaveLength(4);
    expect(data.reviewLogs).toHaveLength(4);
    expect(data.activityDays.reduce((n: number, d: { reviews: number }) => n + d.reviews, 0)).toBe(4);
  });
});
