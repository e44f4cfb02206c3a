import { createEmptyCard, fsrs, Rating } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import type { AnswerKey } from '../../lambdas/domain/answer-key';
import { grade } from '../../lambdas/domain/grading';
import { cardStateSchema, schedule, type CardState } from '../../lambdas/domain/scheduling';

/** Behaviour that mutation testing showed no test pinned. */

describe('multiple-select grading', () => {
  const key: AnswerKey = { kind: 'mcq', itemId: 'q', choiceIds: ['a', 'b', 'c'], correct: ['a', 'c'], explanations: { a: 'A', b: 'B', c: 'C' } };

  it('grades a pick of the right size with one wrong choice as incorrect', () => {
    // {a,b} has as many choices as {a,c} and shares one: only the whole set counts
    expect(grade(key, { choices: ['a', 'b'] })).toMatchObject({ correct: false });
    expect(grade(key, { choices: ['b', 'c'] })).toMatchObject({ correct: false });
    expect(grade(key, { choices: ['c', 'a'] })).toMatchObject({ correct: true });
  });
});

describe('stored review cards', () => {
  const day = 86_400_000;
  const start = new Date('2026-01-05T09:00:00Z');
  const at = (days: number) => new Date(start.getTime() + days * day);
  /** Saves and loads a card the way the store does: JSON, then the schema. */
  const roundTrip = (state: CardState) => cardStateSchema.parse(JSON.parse(JSON.stringify(state)));

  it('keeps the review and relearning states and the last review across save and load, so FSRS continues where it was', () => {
    // Prepare: the same history, once through stored JSON after every review, once in memory with ts-fsrs itself
    const history: [number, 'good' | 'again'][] = [
      [0, 'good'],
      [1, 'good'],
      [4, 'good'],
      [12, 'again'],
      [12.01, 'good'],
    ];
    const scheduler = fsrs({ enable_fuzz: false });
    let reference = createEmptyCard(start);
    let stored: CardState | undefined;
    const states: string[] = [];

    // Act
    for (const [days, rating] of history) {
      stored = roundTrip(schedule(stored, rating, at(days)));
      reference = scheduler.next(reference, at(days), rating === 'good' ? Rating.Good : Rating.Again).card;
      states.push(stored.state);
    }

    // Assess
    expect(states).toContain('review');
    expect(states[3]).toBe('relearning');
    expect(stored!.lastReview).toBe(at(12.01).toISOString());
    expect(stored!.due).toBe(reference.due.toISOString());
    expect(stored!.stability).toBeCloseTo(reference.stability, 10);
    expect(stored!.lapses).toBe(1);
  });
});
