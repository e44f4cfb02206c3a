import { describe, expect, it } from 'vitest';
import { reshuffle, stepMarks } from '../../web/client/ordering';

/** A repeatable stand-in for Math.random: a small linear congruential generator. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const STEPS = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('ordering feedback', () => {
  it('marks every misplaced step with the position it belongs at, and the placed ones as right', () => {
    // Act: b and a swapped, the rest in place
    const marks = stepMarks(['b', 'a', 'c', 'd'], ['a', 'b', 'c', 'd']);

    // Assess
    expect(marks).toEqual([
      { step: 'b', position: 2, misplaced: true },
      { step: 'a', position: 1, misplaced: true },
      { step: 'c', position: 3, misplaced: false },
      { step: 'd', position: 4, misplaced: false },
    ]);
  });

  it('marks nothing misplaced for the right order and everything for the reversed one', () => {
    expect(stepMarks(STEPS, STEPS).filter((m) => m.misplaced)).toEqual([]);
    expect(stepMarks([...STEPS].reverse(), STEPS).map((m) => m.position)).toEqual([6, 5, 4, 3, 2, 1]);
  });
});

describe('a review reshuffles ordering steps', () => {
  it('never shows the order of the last time, whatever the random draws', () => {
    // Prepare: the extremes (a draw just below 1 leaves every step in place) and many seeded runs
    const draws = [() => 0, () => 0.999_999, ...Array.from({ length: 200 }, (_, i) => seeded(i + 1))];

    // Act
    const orders = draws.map((random) => reshuffle(STEPS, STEPS, random));

    // Assess: always a permutation of the steps, never the last order
    for (const order of orders) {
      expect([...order].sort()).toEqual(STEPS);
      expect(order).not.toEqual(STEPS);
    }
  });

  it('is a plain Fisher–Yates shuffle when it does not repeat the last order, so reviews vary', () => {
    // Act: the same draws give the same order; different draws give several different orders
    const once = reshuffle(STEPS, ['f', 'e', 'd', 'c', 'b', 'a'], seeded(7));
    const again = reshuffle(STEPS, ['f', 'e', 'd', 'c', 'b', 'a'], seeded(7));
    const distinct = new Set(Array.from({ length: 50 }, (_, i) => reshuffle(STEPS, STEPS, seeded(i + 100)).join('')));

    // Assess
    expect(again).toEqual(once);
    expect(distinct.size).toBeGreaterThan(20);
  });

  it('keeps the page order of two steps (the only other order is the right one) and leaves a single step alone', () => {
    expect(reshuffle(['y', 'x'], ['y', 'x'], () => 0.999_999)).toEqual(['y', 'x']);
    expect(reshuffle(['y', 'x'], ['x', 'y'], () => 0)).toEqual(['y', 'x']);
    expect(reshuffle(['x'], ['x'])).toEqual(['x']);
  });
});
