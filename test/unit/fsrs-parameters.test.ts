import { describe, expect, it } from 'vitest';
import {
  DEFAULT_W,
  heldOutTail,
  isValidW,
  judgeFit,
  learnerW,
  MIN_REVIEWS_FOR_FIT,
  needsFit,
  REFIT_AFTER_REVIEWS,
  trainingItems,
  type LogForFit,
} from '../../lambdas/optimizer/parameters';

const log = (cardItem: string, at: string, rating: LogForFit['rating']): LogForFit => ({ lessonId: 'lesson', cardItem, at, rating });
const good = { logLoss: 0.3, rmseBins: 0.05 };
const worse = { logLoss: 0.4, rmseBins: 0.08 };

describe('training items from review logs', () => {
  it('groups logs per card in time order with ratings 1–4 and whole days between reviews', () => {
    // Prepare: logs out of order, two cards interleaved
    const logs = [
      log('a', '2026-01-04T09:00:00Z', 'good'),
      log('b', '2026-01-02T23:30:00Z', 'hard'),
      log('a', '2026-01-01T10:00:00Z', 'again'),
      log('b', '2026-01-01T08:00:00Z', 'easy'),
      log('a', '2026-01-02T07:00:00Z', 'good'),
    ];
    // Act
    const items = trainingItems(logs);
    // Assess: a has items ending at its 2nd and 3rd review, b at its 2nd
    expect(items).toEqual([
      [{ rating: 1, deltaT: 0 }, { rating: 3, deltaT: 1 }],
      [{ rating: 1, deltaT: 0 }, { rating: 3, deltaT: 1 }, { rating: 3, deltaT: 2 }],
      [{ rating: 4, deltaT: 0 }, { rating: 2, deltaT: 1 }],
    ]);
  });

  it('leaves out items that predict a same-day review and cards seen once, and keeps same-day steps inside a history', () => {
    const items = trainingItems([
      log('a', '2026-01-01T10:00:00Z', 'again'),
      log('a', '2026-01-01T10:10:00Z', 'good'),
      log('a', '2026-01-03T10:00:00Z', 'good'),
      log('once', '2026-01-01T10:00:00Z', 'good'),
    ]);
    expect(items).toEqual([[{ rating: 1, deltaT: 0 }, { rating: 3, deltaT: 0 }, { rating: 3, deltaT: 2 }]]);
  });

  it('counts days by calendar day, not by 24-hour spans', () => {
    const items = trainingItems([log('a', '2026-01-01T23:50:00Z', 'good'), log('a', '2026-01-02T00:10:00Z', 'good')]);
    expect(items).toEqual([[{ rating: 3, deltaT: 0 }, { rating: 3, deltaT: 1 }]]);
  });
});

describe('fitted parameters', () => {
  it('accepts the defaults themselves as valid FSRS-6 parameters', () => {
    expect(DEFAULT_W).toHaveLength(21);
    expect(isValidW([...DEFAULT_W])).toBe(true);
  });

  it('rejects a wrong length, a non-finite value or a value outside the ranges ts-fsrs allows', () => {
    expect(isValidW(DEFAULT_W.slice(0, 19))).toBe(false);
    expect(isValidW(DEFAULT_W.map((v, i) => (i === 5 ? Number.NaN : v)))).toBe(false);
    expect(isValidW(DEFAULT_W.map((v, i) => (i === 0 ? 0 : v)))).toBe(false);
    expect(isValidW(DEFAULT_W.map((v, i) => (i === 4 ? 11 : v)))).toBe(false);
    expect(isValidW('0.2,1.2')).toBe(false);
  });

  it('adopts a valid fit that predicts the held-out reviews better than the parameters in use', () => {
    const w = DEFAULT_W.map((v, i) => (i === 0 ? v * 2 : v));
    expect(judgeFit(w, worse, good)).toEqual({ accepted: true, w });
  });

  it('keeps the parameters in use for an invalid fit, one that predicts worse or only as well, or one that could not be judged', () => {
    expect(judgeFit([1, 2, 3], worse, good)).toMatchObject({ accepted: false, reason: 'parameters outside the ranges ts-fsrs accepts' });
    expect(judgeFit([...DEFAULT_W], good, worse)).toEqual({ accepted: false, reason: 'fit predicts the held-out reviews no better than the parameters in use' });
    expect(judgeFit([...DEFAULT_W], good, good)).toMatchObject({ accepted: false });
    expect(judgeFit([...DEFAULT_W], good, { logLoss: Number.NaN, rmseBins: 0 })).toMatchObject({ accepted: false, reason: 'no held-out reviews to judge the fit on' });
  });

  it('trains on the reviews before the cut in time and judges on the items predicting the reviews after it', () => {
    // Five days of one card, then one more: the cut falls on the 5th of 6 reviews (80 %).
    const logs = ['01', '02', '04', '07', '11', '16'].map((day) => log('a', `2026-03-${day}T10:00:00Z`, 'good'));
    const { train, heldOut } = heldOutTail([...logs].reverse());
    expect(train.map((item) => item.length)).toEqual([2, 3, 4]);
    expect(heldOut.map((item) => item.length)).toEqual([5, 6]);
    expect(heldOut[1]!.map((r) => r.deltaT)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(heldOutTail([])).toEqual({ train: [], heldOut: [] });
  });

  it('schedules with the learner\'s stored w when it is valid and with the defaults otherwise', () => {
    const w = DEFAULT_W.map((v, i) => (i === 8 ? v * 1.1 : v));
    expect(learnerW({ w })).toEqual(w);
    expect(learnerW({ w: [1, 2] })).toBe(DEFAULT_W);
    expect(learnerW(undefined)).toBe(DEFAULT_W);
  });
});

describe('when a learner is fitted', () => {
  it('waits for the threshold, then refits only after enough new reviews', () => {
    expect(needsFit(MIN_REVIEWS_FOR_FIT - 1, undefined)).toBe(false);
    expect(needsFit(MIN_REVIEWS_FOR_FIT, undefined)).toBe(true);
    expect(needsFit(MIN_REVIEWS_FOR_FIT + REFIT_AFTER_REVIEWS - 1, MIN_REVIEWS_FOR_FIT)).toBe(false);
    expect(needsFit(MIN_REVIEWS_FOR_FIT + REFIT_AFTER_REVIEWS, MIN_REVIEWS_FOR_FIT)).toBe(true);
  });
});
