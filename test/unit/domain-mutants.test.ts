import { createEmptyCard, default_w, fsrs, Rating } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import type { AnswerKey } from '../../lambdas/domain/answer-key';
import { answerSchema, grade, isRight, pickedChoices, selfRatings } from '../../lambdas/domain/grading';
import { cardStateSchema, elapsedDays, schedule, type CardState } from '../../lambdas/domain/scheduling';

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

describe('learners with their own FSRS parameters', () => {
  it('get the schedule of their own parameters, also when two parameter lists read alike digit by digit', () => {
    // Prepare: [0.2, 12.5, …] and [0.21, 2.5, …] differ, yet their digits run on alike ("0.212.5…")
    const own = [0.2, 12.5, ...default_w.slice(2)];
    const other = [0.21, 2.5, ...default_w.slice(2)];
    const now = new Date('2026-04-01T08:00:00Z');
    const reference = (w: number[]) => fsrs({ enable_fuzz: false, w }).next(createEmptyCard(now), now, Rating.Hard).card.stability;

    // Act: a first answer rated Hard starts from the parameters' initial stability for Hard
    const first = schedule(undefined, 'hard', now, { w: own });
    const second = schedule(undefined, 'hard', now, { w: other });

    // Assess
    expect(first.stability).toBeCloseTo(reference(own), 10);
    expect(second.stability).toBeCloseTo(reference(other), 10);
    expect(second.stability).not.toBeCloseTo(first.stability, 3);
  });
});

describe('elapsed days in a review log', () => {
  const start = new Date('2026-01-05T09:00:00Z');
  const at = (days: number) => new Date(start.getTime() + days * 86_400_000);

  it('counts whole days since the last scheduled answer', () => {
    // Prepare
    const card = schedule(undefined, 'good', start);

    // Act
    const days = [at(0.5), at(1), at(2.9), at(40)].map((now) => elapsedDays(card, now));

    // Assess
    expect(days).toEqual([0, 1, 2, 40]);
  });

  it('is 0 for a first meeting, a card stored without a last review, and a clock behind the last review', () => {
    const card = schedule(undefined, 'good', start);
    const { lastReview: _dropped, ...withoutLastReview } = card;
    expect([elapsedDays(undefined, at(3)), elapsedDays(withoutLastReview, at(3)), elapsedDays(card, at(-1))]).toEqual([0, 0, 0]);
  });
});

describe('review intervals', () => {
  it('are the exact FSRS intervals without fuzz, so a retried review lands on the same due date', () => {
    // Prepare
    const start = new Date('2026-03-01T08:00:00Z');
    const days = [0, 1, 5, 20];
    const scheduler = fsrs({ enable_fuzz: false });
    let reference = createEmptyCard(start);
    let stored: CardState | undefined;

    // Act
    for (const d of days) {
      const at = new Date(start.getTime() + d * 86_400_000);
      stored = schedule(stored, 'good', at);
      reference = scheduler.next(reference, at, Rating.Good).card;
    }

    // Assess: long review intervals are where fuzz would move the date
    expect(stored!.state).toBe('review');
    expect(stored!.scheduledDays).toBeGreaterThan(10);
    expect(stored!.due).toBe(reference.due.toISOString());
  });

  it('accepts every FSRS state when loading a stored card, a new one included', () => {
    const base = { due: '2026-03-01T08:00:00.000Z', stability: 0, difficulty: 0, elapsedDays: 0, scheduledDays: 0, learningSteps: 0, reps: 0, lapses: 0 };
    expect(['new', 'learning', 'review', 'relearning'].map((state) => cardStateSchema.safeParse({ ...base, state }).success)).toEqual([true, true, true, true]);
    expect(cardStateSchema.safeParse({ ...base, state: 'suspended' }).success).toBe(false);
  });
});

describe('grading answers that do not fit their item', () => {
  const mcq: AnswerKey = { kind: 'mcq', itemId: 'q', choiceIds: ['a', 'b'], correct: ['a'], explanations: { a: 'A', b: 'B' } };
  const ordering: AnswerKey = { kind: 'ordering', itemId: 'o', order: ['x', 'y'] };
  const recall: AnswerKey = { kind: 'recall', itemId: 'r', prompts: [{ id: 'p', answer: 'P' }] };
  const message = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  };

  it('says what is wrong, naming the item and the offending choices', () => {
    expect(message(() => grade(mcq, { order: ['x'] }))).toBe('item "q" is multiple choice: answer with "choices"');
    expect(message(() => grade(mcq, { choices: ['c', 'd'] }))).toBe('unknown choice(s) for item "q": c, d');
    expect(message(() => grade(mcq, { choices: ['a', 'a'] }))).toBe('a choice is listed twice');
    expect(message(() => grade(ordering, { choices: ['a'] }))).toBe('item "o" is an ordering: answer with "order"');
    expect(message(() => grade(ordering, { order: ['x'] }))).toBe('"order" must list each step of item "o" exactly once');
    expect(message(() => grade(recall, { order: ['x'] }))).toBe('item "r" is recall: name the "prompt" and rate yourself with "rating" (again, hard, good, easy)');
    expect(message(() => grade(recall, { prompt: 'q', rating: 'good' }))).toBe('item "r" has no recall prompt "q"');
  });

  it('counts a correct graded answer, or a recall rated above Again, as right for mastery', () => {
    // Prepare
    const graded = [grade(mcq, { choices: ['a'] }), grade(mcq, { choices: ['b'] }), grade(ordering, { order: ['x', 'y'] }), grade(ordering, { order: ['y', 'x'] })];
    const recalled = selfRatings.map((rating) => grade(recall, { prompt: 'p', rating }));

    // Act
    const right = [...graded, ...recalled].map(isRight);

    // Assess: again, hard, good, easy
    expect(right).toEqual([true, false, true, false, false, true, true, true]);
  });

  it('reports the kind of each outcome and the choices an answer picked', () => {
    expect([grade(mcq, { choices: ['a'] }).kind, grade(ordering, { order: ['y', 'x'] }).kind, grade(recall, { prompt: 'p', rating: 'good' }).kind]).toEqual(['mcq', 'ordering', 'recall']);
    expect(grade(ordering, { order: ['y', 'x'] })).toMatchObject({ correct: false, correctOrder: ['x', 'y'] });
    expect([pickedChoices({ choices: ['a', 'b'] }), pickedChoices({ order: ['x'] })]).toEqual([['a', 'b'], []]);
  });

  it('accepts ids of 1 to 100 characters and 1 to 50 choices or steps, and nothing else in an answer', () => {
    const ok = (value: unknown) => answerSchema.safeParse(value).success;
    expect([ok({ choices: ['a'] }), ok({ choices: ['x'.repeat(100)] }), ok({ choices: Array.from({ length: 50 }, (_, i) => `c${i}`) })]).toEqual([true, true, true]);
    expect([ok({ choices: [] }), ok({ choices: [''] }), ok({ choices: ['x'.repeat(101)] }), ok({ choices: Array.from({ length: 51 }, (_, i) => `c${i}`) })]).toEqual([false, false, false, false]);
    expect([ok({ order: ['x'] }), ok({ order: [] }), ok({ order: Array.from({ length: 51 }, (_, i) => `s${i}`) })]).toEqual([true, false, false]);
    expect([ok({ prompt: 'p', rating: 'easy' }), ok({ prompt: 'p', rating: 'perfect' }), ok({ rating: 'easy' }), ok({}), ok({ choices: ['a'], extra: 1 })]).toEqual([true, false, false, false, false]);
  });
});
