import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchesFilter } from '../../bin/local/streams';
import { aggregateAttempts, ATTEMPT_INSERTS } from '../../lambdas/events/item-stats';
import type { Store } from '../../lambdas/store/client';
import * as keys from '../../lambdas/store/keys';
import { listItemStats } from '../../lambdas/store/stats';
import { freshStore } from '../support/store';

let store: Store;
beforeAll(async () => {
  store = await freshStore();
});

let sequence = 1000;
/** A stream record of a newly inserted attempt, as Lambda delivers it. */
function attemptRecord(sub: string, itemId: string, answer: { correct?: boolean; rating?: string; choices?: string[] }): DynamoDBRecord {
  const at = new Date().toISOString();
  sequence += 1;
  const image = {
    ...keys.attempt(sub, 'lesson-a', itemId, at, String(sequence)),
    type: 'attempt',
    lessonId: 'lesson-a',
    itemId,
    kind: answer.rating ? 'recall' : 'mcq',
    source: 'attempt',
    answer: answer.choices ? { choices: answer.choices } : { revealed: true },
    ...(answer.correct !== undefined ? { correct: answer.correct } : {}),
    ...(answer.rating ? { rating: answer.rating } : {}),
    at,
  };
  return { eventName: 'INSERT', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: String(sequence), NewImage: marshall(image) as never, StreamViewType: 'NEW_IMAGE' } };
}

describe('the statistics aggregator', () => {
  it('reports the earliest record of a failed write and counts each attempt once when Lambda retries from there', async () => {
    // Prepare: a batch over two items; the first write of item "q2" fails
    const batch = [
      attemptRecord('a', 'q1', { correct: true, choices: ['x'] }),
      attemptRecord('b', 'q2', { correct: false, choices: ['y'] }),
      attemptRecord('c', 'q1', { correct: false, choices: ['y'] }),
      attemptRecord('d', 'q2', { correct: true, choices: ['x'] }),
      attemptRecord('e', 'r1', { rating: 'good' }),
    ];
    let failed = false;
    store.doc.middlewareStack.add(
      (next) => async (args) => {
        if (!failed && JSON.stringify(args.input).includes('ITEM#q2')) {
          failed = true;
          throw Object.assign(new Error('simulated outage'), { name: 'InternalServerError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failQ2Once' },
    );

    // Act: the batch, then Lambda's retry from the reported record
    const first = await aggregateAttempts(store, { Records: batch });
    const from = batch.findIndex((r) => r.dynamodb?.SequenceNumber === first.batchItemFailures[0]?.itemIdentifier);
    const retry = await aggregateAttempts(store, { Records: batch.slice(from) });
    store.doc.middlewareStack.remove('failQ2Once');

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: batch[1]!.dynamodb!.SequenceNumber }]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(retry.alreadyCounted).toBe(2);
    const stats = Object.fromEntries((await listItemStats(store, 'lesson-a')).map((s) => [s.itemId, s]));
    expect(stats.q1).toMatchObject({ attempts: 2, correct: 1, picks: { x: 1, y: 1 } });
    expect(stats.q2).toMatchObject({ attempts: 2, correct: 1, picks: { x: 1, y: 1 } });
    expect(stats.r1).toMatchObject({ attempts: 1, ratings: { good: 1 } });
  });

  it('adds counts stored under the old LESSON# keys to the new ones', async () => {
    // Prepare
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'LESSON#lesson-b', sk: 'STATS#q1', type: 'itemStats', itemId: 'q1', kind: 'mcq', attempts: 3, correct: 2, pick_x: 2, pick_y: 1 } }));
    const record = attemptRecord('f', 'q1', { correct: true, choices: ['x'] });
    const image = record.dynamodb!.NewImage as Record<string, { S: string }>;
    image.lessonId = { S: 'lesson-b' };

    // Act
    await aggregateAttempts(store, { Records: [record] });

    // Assess
    expect(await listItemStats(store, 'lesson-b')).toEqual([{ itemId: 'q1', kind: 'mcq', attempts: 4, correct: 3, picks: { x: 3, y: 1 }, ratings: {} }]);
  });

  it('passes inserted attempts through the event filter and nothing else', () => {
    const attempt = attemptRecord('g', 'q1', { correct: true, choices: ['x'] });
    expect(matchesFilter(ATTEMPT_INSERTS, attempt)).toBe(true);
    expect(matchesFilter(ATTEMPT_INSERTS, { ...attempt, eventName: 'MODIFY' })).toBe(false);
    expect(matchesFilter(ATTEMPT_INSERTS, { ...attempt, dynamodb: { NewImage: marshall({ pk: 'USER#g', sk: 'CARD#x', type: 'card' }) } })).toBe(false);
  });
});
