import { describe, expect, it } from 'vitest';
import { dashboardLesson, flagItem } from '../../lambdas/domain/item-stats';

describe("the authors' dashboard flags", () => {
  it('flags nothing before ten answers', () => {
    expect(flagItem({ attempts: 9, percentCorrect: 100, picks: { a: 9, b: 0 } }, ['a'])).toEqual([]);
  });

  it('flags over 95 % correct as too easy and under 30 % as too hard, not the boundaries', () => {
    expect(flagItem({ attempts: 20, percentCorrect: 95.5 })).toEqual(['too-easy']);
    expect(flagItem({ attempts: 20, percentCorrect: 95 })).toEqual([]);
    expect(flagItem({ attempts: 20, percentCorrect: 29.9 })).toEqual(['too-hard']);
    expect(flagItem({ attempts: 20, percentCorrect: 30 })).toEqual([]);
  });

  it('flags a wrong choice nobody picks, never an unpicked correct one', () => {
    expect(flagItem({ attempts: 10, percentCorrect: 50, picks: { right: 5, wrong: 5, ignored: 0 } }, ['right'])).toEqual(['unpicked-distractor']);
    expect(flagItem({ attempts: 10, percentCorrect: 50, picks: { right: 0, other: 5, wrong: 5 } }, ['right', 'other'])).toEqual([]);
  });

  it('lists every item of a lesson with its flags and an MCQ with its correct choices', () => {
    const lesson = dashboardLesson(
      'l',
      'A lesson',
      [
        { kind: 'mcq', itemId: 'q', choiceIds: ['a', 'b'], correct: ['a'], explanations: {} },
        { kind: 'recall', itemId: 'r', prompts: [] },
      ],
      [{ itemId: 'q', attempts: 10, correct: 10, picks: { a: 10 }, ratings: {} }],
    );
    expect(lesson.items).toEqual([
      { itemId: 'q', kind: 'mcq', attempts: 10, correct: 10, percentCorrect: 100, picks: { a: 10, b: 0 }, correctChoices: ['a'], flags: ['too-easy', 'unpicked-distractor'] },
      { itemId: 'r', kind: 'recall', attempts: 0, ratings: { again: 0, hard: 0, good: 0, easy: 0 }, flags: [] },
    ]);
  });
});
