import { describe, expect, it } from 'vitest';
import { BATCH_ATTEMPTS, UnprocessedBatchError, untilProcessed } from '../../lambdas/store/batch';
import { isConditionalFailure, isTransactionConflict } from '../../lambdas/store/client';

describe('batch retries', () => {
  it('sends the unprocessed rest again, waiting longer each time, until nothing is left', async () => {
    // Prepare: the service processes one request per attempt
    const sent: number[][] = [];
    const waits: number[] = [];

    // Act
    await untilProcessed('BatchWrite', [1, 2, 3], async (pending) => (sent.push(pending), pending.slice(1)), async (ms) => void waits.push(ms));

    // Assess
    expect(sent).toEqual([[1, 2, 3], [2, 3], [3]]);
    expect(waits).toEqual([100, 200]);
  });

  it(`gives up after ${BATCH_ATTEMPTS} attempts with what is still unprocessed`, async () => {
    // Prepare: a table that stays throttled
    let attempts = 0;
    const waits: number[] = [];

    // Act
    const result = untilProcessed('BatchGet', ['a', 'b'], async (pending) => (attempts++, pending), async (ms) => void waits.push(ms));

    // Assess
    await expect(result).rejects.toThrow(new UnprocessedBatchError('BatchGet', 2));
    expect(attempts).toBe(BATCH_ATTEMPTS);
    expect(waits.every((ms) => ms <= 1000)).toBe(true);
  });
});

describe('conditional failures', () => {
  const named = (name: string, message = '', extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

  it('recognises a failed condition on a write and in a cancelled transaction', () => {
    expect(isConditionalFailure(named('ConditionalCheckFailedException'))).toBe(true);
    expect(isConditionalFailure(named('TransactionCanceledException', '', { CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] }))).toBe(true);
    expect(isConditionalFailure(named('TransactionCanceledException', 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]'))).toBe(true);
  });

  it('leaves every other failure alone', () => {
    expect(isConditionalFailure(named('TransactionCanceledException', '', { CancellationReasons: [{ Code: 'ThrottlingError' }] }))).toBe(false);
    expect(isConditionalFailure(named('ProvisionedThroughputExceededException'))).toBe(false);
    expect(isConditionalFailure('ConditionalCheckFailedException')).toBe(false);
  });
});

describe('transaction conflicts', () => {
  const named = (name: string, message = '', extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

  it('recognises a transaction cancelled because another one held an item, by its reasons or its message', () => {
    expect(isTransactionConflict(named('TransactionConflictException'))).toBe(true);
    expect(isTransactionConflict(named('TransactionCanceledException', '', { CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }] }))).toBe(true);
    expect(isTransactionConflict(named('TransactionCanceledException', 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]'))).toBe(true);
  });

  it('leaves a failed condition, a throttled item and any other error alone', () => {
    expect(isTransactionConflict(named('TransactionCanceledException', '', { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }))).toBe(false);
    expect(isTransactionConflict(named('TransactionCanceledException', '', { CancellationReasons: [{ Code: 'ThrottlingError' }] }))).toBe(false);
    expect(isTransactionConflict(named('TransactionCanceledException', 'Transaction cancelled [ThrottlingError]'))).toBe(false);
    expect(isTransactionConflict(named('ConditionalCheckFailedException'))).toBe(false);
    expect(isTransactionConflict('TransactionConflict')).toBe(false);
  });
});
