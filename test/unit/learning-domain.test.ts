import { describe, expect, it } from 'vitest';
import type { AnswerKey } from '../../lambdas/domain/answer-key';
import { AnswerMismatch, grade, ratingOf } from '../../lambdas/domain/grading';
import { mergeProgress } from '../../lambdas/domain/progress';
import { schedule } from '../../lambdas/domain/scheduling';

const mcq: AnswerKey = { kind: 'mcq', itemId: 'q', choiceIds: ['a', 'b', 'c'], correct: ['a', 'c'], explanations: { a: 'A', b: 'B', c: 'C' } };
const ordering: AnswerKey = { kind: 'ordering', itemId: 'o', order: ['x', 'y', 'z'] };
const recall: AnswerKey = { kind: 'recall', itemId: 'r', prompts: [{ id: 'p', answer: 'model' }] };
const now = new Date('2026-11-23T12:00:00.000Z');

describe('grading', () => {
  it('marks a multiple-choice answer correct only when it picks exactly the correct set', () => {
    expect(grade(mcq, { choices: ['c', 'a'] })).toMatchObject({ correct: true, correctChoices: ['a', 'c'], explanations: { b: 'B' } });
    expect(grade(mcq, { choices: ['a'] })).toMatchObject({ correct: false });
    expect(grade(mcq, { choices: ['a', 'b', 'c'] })).toMatchObject({ correct: false });
  });

  it('rejects unknown or repeated choices, incomplete orders and answers of another kind', () => {
    expect(() => grade(mcq, { choices: ['d'] })).toThrow(AnswerMismatch);
    expect(() => grade(mcq, { choices: ['a', 'a'] })).toThrow(AnswerMismatch);
    expect(() => grade(ordering, { order: ['x', 'y'] })).toThrow(AnswerMismatch);
    expect(() => grade(ordering, { order: ['x', 'x', 'z'] })).toThrow(AnswerMismatch);
    expect(() => grade(recall, { choices: ['a'] })).toThrow(AnswerMismatch);
    expect(() => grade(mcq, { prompt: 'p', rating: 'easy' })).toThrow(AnswerMismatch);
    expect(() => grade(recall, { prompt: 'nope', rating: 'easy' })).toThrow(AnswerMismatch);
  });

  it('maps graded outcomes to good/again and keeps a recall self-rating', () => {
    expect(ratingOf(grade(ordering, { order: ['x', 'y', 'z'] }))).toBe('good');
    expect(ratingOf(grade(ordering, { order: ['y', 'x', 'z'] }))).toBe('again');
    expect(ratingOf(grade(recall, { prompt: 'p', rating: 'hard' }))).toBe('hard');
  });
});

describe('FSRS scheduling', () => {
  it('schedules a first Good later than a first Again, and Easy later still', () => {
    const due = (rating: 'again' | 'good' | 'easy') => Date.parse(schedule(undefined, rating, now).due);
    expect(due('again')).toBeLessThan(due('good'));
    expect(due('good')).toBeLessThan(due('easy'));
  });

  it('round-trips a card through its stored form and grows the interval on repeated Good', () => {
    // Prepare
    const first = schedule(undefined, 'good', now);
    const second = schedule(first, 'good', new Date(first.due));

    // Act
    const third = schedule(JSON.parse(JSON.stringify(second)), 'good', new Date(second.due));

    // Assess
    expect(third.reps).toBe(3);
    expect(Date.parse(third.due) - Date.parse(second.due)).toBeGreaterThan(Date.parse(second.due) - Date.parse(first.due));
  });
});

describe('progress merge', () => {
  it('never moves a completed lesson back to started and keeps the newest position', () => {
    const completed = mergeProgress(undefined, 'l', { status: 'completed' }, '2026-01-01T00:00:00Z');
    const after = mergeProgress(completed, 'l', { status: 'started', position: 'p2' }, '2026-01-02T00:00:00Z');
    expect(after).toMatchObject({ status: 'completed', position: 'p2', completedAt: '2026-01-01T00:00:00Z', startedAt: '2026-01-01T00:00:00Z', version: 2 });
  });
});
