import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '../../lambdas/store/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { optimizeBatch, REVIEW_LOG_INSERTS } from '../../lambdas/events/fsrs-optimizer';
import { DEFAULT_W, isValidW, MIN_REVIEWS_FOR_FIT, type LogForFit } from '../../lambdas/optimizer/parameters';
import type { Store } from '../../lambdas/store/client';
import * as keys from '../../lambdas/store/keys';
import { saveFit } from '../../lambdas/store/fsrs-fit';
import { simulateLearner } from '../support/fsrs-learner';
import { freshStore } from '../support/store';

/** Review logs as branch `reviews` writes them (lambdas/store/review-logs.ts), in the learner's partition. */
async function writeLogs(store: Store, sub: string, logs: LogForFit[]) {
  const items = logs.map((log) => ({
    ...keys.reviewLog(sub, log.at, log.lessonId, log.cardItem),
    type: 'reviewLog',
    ...log,
    kind: 'recall',
    source: 'review',
    elapsedDays: 0,
    after: { due: log.at, stability: 1, difficulty: 5, elapsedDays: 0, scheduledDays: 0, learningSteps: 0, reps: 1, lapses: 0, state: 'review' },
  }));
  await batchWrite(store, items.map((Item) => ({ PutRequest: { Item } })));
}

/** The stream records the table would emit for the last few inserts (NEW_AND_OLD_IMAGES). */
function insertEvent(sub: string, logs: LogForFit[]): DynamoDBStreamEvent {
  return {
    Records: logs.map((log, i): DynamoDBRecord => {
      const key = keys.reviewLog(sub, log.at, log.lessonId, log.cardItem);
      return {
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          Keys: { pk: { S: key.pk }, sk: { S: key.sk } },
          NewImage: { pk: { S: key.pk }, sk: { S: key.sk }, type: { S: 'reviewLog' }, rating: { S: log.rating } },
          SequenceNumber: String(1000 + i),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      };
    }),
  };
}

const settingsOf = async (store: Store, sub: string) => (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.settings(sub), ConsistentRead: true }))).Item;

// Writing hundreds of logs to DynamoDB Local and fitting takes seconds on a shared machine.
describe('per-learner FSRS parameters', { timeout: 120_000 }, () => {
  it('fits a learner past the threshold from their logs and writes valid w with its fit record on the settings item', async () => {
    // Prepare
    const store = await freshStore();
    // A learner (seed 3) whose fit beats the defaults on their later reviews.
    const logs = simulateLearner({ reviews: 600, seed: 3 });
    await writeLogs(store, 'ada', logs);
    // Act
    const result = await optimizeBatch(store, insertEvent('ada', logs.slice(-3)), new Date('2026-06-01T00:00:00Z'));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(result.outcomes).toMatchObject([{ sub: 'ada', outcome: 'fitted', reviews: 600 }]);
    const settings = await settingsOf(store, 'ada');
    expect(isValidW(settings?.w)).toBe(true);
    expect(settings?.w).not.toEqual([...DEFAULT_W]);
    expect(settings?.fsrsFit).toMatchObject({ at: '2026-06-01T00:00:00.000Z', reviews: 600, accepted: true, evaluation: { method: 'held-out tail', inUse: 'defaults' } });
    expect(settings?.fsrsFit.evaluation.candidateQuality.logLoss).toBeLessThan(settings?.fsrsFit.evaluation.inUseQuality.logLoss);
  });

  it('keeps the defaults when the fit predicts the learner\'s later reviews worse than they do, and records both losses', async () => {
    // Prepare: the simulated learner of the bench at 1,000 reviews, whose fit does worse than the
    // defaults on the held-out tail (though better on the reviews it was trained on).
    const store = await freshStore();
    const logs = simulateLearner({ reviews: 1_000 });
    await writeLogs(store, 'edsger', logs);

    // Act
    const result = await optimizeBatch(store, insertEvent('edsger', logs.slice(-1)));

    // Assess
    expect(result.outcomes).toMatchObject([{ sub: 'edsger', outcome: 'kept-current', reviews: 1_000 }]);
    const settings = await settingsOf(store, 'edsger');
    expect(settings?.w).toBeUndefined();
    const { evaluation } = settings?.fsrsFit;
    expect(settings?.fsrsFit).toMatchObject({ accepted: false, reason: 'fit predicts the held-out reviews no better than the parameters in use' });
    expect(evaluation).toMatchObject({ method: 'held-out tail', inUse: 'defaults' });
    expect(evaluation.trainItems).toBeGreaterThan(evaluation.heldOutItems);
    expect(evaluation.candidateQuality.logLoss).toBeGreaterThan(evaluation.inUseQuality.logLoss);
  });

  it('judges a refit against the learner\'s previous fit, not the defaults, and adopts it only when it predicts better', async () => {
    // Prepare: the learner above, with a previous fit in use that predicts badly (stability grows
    // after a success at a third of the defaults' rate).
    const store = await freshStore();
    const logs = simulateLearner({ reviews: 1_000 });
    await writeLogs(store, 'barbara', logs);
    const poor = DEFAULT_W.map((v, i) => (i === 8 ? v * 0.3 : v));
    await saveFit(store, 'barbara', { at: '2026-01-01T00:00:00.000Z', reviews: MIN_REVIEWS_FOR_FIT, accepted: true, evaluation: { method: 'held-out tail', trainItems: 0, heldOutItems: 0, inUse: 'defaults', inUseQuality: null, candidateQuality: null } }, poor);

    // Act
    const result = await optimizeBatch(store, insertEvent('barbara', logs.slice(-1)));

    // Assess: the same candidate the defaults beat above beats this previous fit, so it is adopted.
    expect(result.outcomes).toMatchObject([{ sub: 'barbara', outcome: 'fitted' }]);
    const settings = await settingsOf(store, 'barbara');
    expect(settings?.fsrsFit).toMatchObject({ accepted: true, evaluation: { inUse: 'previous fit' } });
    expect(isValidW(settings?.w)).toBe(true);
    expect(settings?.w).not.toEqual(poor);
  });

  it('keeps the defaults for a learner below the threshold and writes nothing', async () => {
    const store = await freshStore();
    const logs = simulateLearner({ reviews: MIN_REVIEWS_FOR_FIT - 1 });
    await writeLogs(store, 'grace', logs);

    const result = await optimizeBatch(store, insertEvent('grace', logs.slice(-2)));

    expect(result.outcomes).toEqual([{ sub: 'grace', outcome: 'below-threshold', reviews: MIN_REVIEWS_FOR_FIT - 1 }]);
    expect(await settingsOf(store, 'grace')).toBeUndefined();
  });

  it('does not refit until enough new reviews arrived, and never lets an older fit overwrite a newer one', async () => {
    const store = await freshStore();
    const logs = simulateLearner({ reviews: 450 });
    await writeLogs(store, 'alan', logs);
    await optimizeBatch(store, insertEvent('alan', logs.slice(-1)));
    const fitted = await settingsOf(store, 'alan');

    const again = await optimizeBatch(store, insertEvent('alan', logs.slice(-1)));
    const stale = await saveFit(store, 'alan', { ...fitted?.fsrsFit, reviews: 420 }, [...DEFAULT_W]);

    expect(again.outcomes).toEqual([{ sub: 'alan', outcome: 'not-due', reviews: 450 }]);
    expect(stale).toBe(false);
    expect((await settingsOf(store, 'alan'))?.w).toEqual(fitted?.w);
  });

  it('refits each learner of a batch once, whatever the number of their records', async () => {
    const store = await freshStore();
    const few = simulateLearner({ reviews: 10, seed: 3 });
    const event = insertEvent('x', few);
    event.Records.push(...insertEvent('y', few).Records, { eventName: 'MODIFY', dynamodb: {} });

    const result = await optimizeBatch(store, event);

    expect(result.outcomes.map((o) => o.sub)).toEqual(['x', 'y']);
  });

  it('filters the stream to inserted review logs', () => {
    expect(REVIEW_LOG_INSERTS).toEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['reviewLog'] } } } });
  });
});
