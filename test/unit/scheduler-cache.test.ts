import { describe, expect, it, vi } from 'vitest';
import { schedule } from '../../lambdas/domain/scheduling';

/**
 * The cost side of scheduling: a learner's scheduler is built once per (retention, parameters), and
 * the set of kept schedulers is bounded, as scheduling.ts promises. Neither changes a due date, so
 * the only way to see them is to count how often ts-fsrs is asked for a scheduler; the spy passes
 * every call through to the real library. One test in a file of its own: the kept schedulers live in
 * the module, which vitest loads afresh for each file.
 */
const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('ts-fsrs', async (importOriginal) => {
  const original = await importOriginal<typeof import('ts-fsrs')>();
  return {
    ...original,
    fsrs: (...args: Parameters<typeof original.fsrs>) => {
      built.count++;
      return original.fsrs(...args);
    },
  };
});

const now = new Date('2026-05-04T10:00:00Z');
const retention = (i: number) => 0.8 + i / 10_000;

describe('schedulers kept between reviews', () => {
  it('are built once per retention and parameter set, and at most 256 are kept', () => {
    // Act: three reviews on the defaults, two with a retention of 0.85, then the defaults again
    for (let i = 0; i < 3; i++) schedule(undefined, 'good', now);
    schedule(undefined, 'good', now, { desiredRetention: 0.85 });
    schedule(undefined, 'hard', now, { desiredRetention: 0.85 });
    schedule(undefined, 'easy', now);
    const afterReuse = built.count;

    // Act: 254 more retentions fill the 256 places; the defaults are still kept
    for (let i = 0; i < 254; i++) schedule(undefined, 'good', now, { desiredRetention: retention(i) });
    schedule(undefined, 'good', now);
    const whenFull = built.count;

    // Act: a 257th retention must make room, then the defaults are asked for again
    schedule(undefined, 'good', now, { desiredRetention: retention(254) });
    schedule(undefined, 'good', now);

    // Assess
    expect(afterReuse).toBe(2);
    expect(whenFull).toBe(256);
    expect(built.count).toBe(258);
  });
});
