import { describe, expect, it } from 'vitest';
import type { AnswerKey } from '../../lambdas/domain/answer-key';
import { cardItemId, isPracticeAnswer, lessonCardItems, lessonMastery, parseCardItem, splitRecallCard, VISIT_HOURS } from '../../lambdas/domain/cards';
import { answersToMerge, issueReceipt, signReceipt, verifyReceipt } from '../../lambdas/domain/receipt';
import { previews, schedule } from '../../lambdas/domain/scheduling';
import { default_w } from 'ts-fsrs';
import { dayIn, settingsSchema, settingsUpdateSchema, streak } from '../../lambdas/domain/settings';
import { intervalLabel, relativeTime } from '../../web/client/times';

const now = new Date('2026-12-01T12:00:00.000Z');
const keys: AnswerKey[] = [
  { kind: 'mcq', itemId: 'q1', choiceIds: ['a'], correct: ['a'], explanations: { a: '' } },
  { kind: 'ordering', itemId: 'steps', order: ['x', 'y'] },
  { kind: 'recall', itemId: 'recall', prompts: [{ id: 'one', answer: '1' }, { id: 'two', answer: '2' }] },
];

describe('cards of a lesson', () => {
  it('gives every recall prompt its own card and names it so it splits back', () => {
    expect(lessonCardItems(keys)).toEqual(['q1', 'steps', 'recall--one', 'recall--two']);
    expect(parseCardItem(cardItemId('recall', 'two'))).toEqual({ itemId: 'recall', promptId: 'two' });
    expect(parseCardItem('q1')).toEqual({ itemId: 'q1' });
  });

  it('treats a second lesson answer within the visit window as practice and a later one as a new visit', () => {
    const card = schedule(undefined, 'again', now);
    expect(isPracticeAnswer(undefined, now)).toBe(false);
    expect(isPracticeAnswer(card, new Date(now.getTime() + 60_000))).toBe(true);
    expect(isPracticeAnswer(card, new Date(now.getTime() + 5 * 3_600_000))).toBe(false);
  });
});

describe('mastery', () => {
  const items = lessonCardItems(keys);
  const good = schedule(undefined, 'good', now);

  it('counts a lesson as completed when every card was answered, even wrongly, with mastery zero', () => {
    const wrong = items.map((itemId) => ({ itemId, card: schedule(undefined, 'again', now), lastCorrect: false }));
    expect(lessonMastery(items, wrong, new Date(now.getTime() + 1000))).toMatchObject({ completed: true, answered: 4, mastered: 0, mastery: 0 });
  });

  it('counts only right answers whose card is not overdue', () => {
    const cards = [
      { itemId: 'q1', card: good, lastCorrect: true },
      { itemId: 'steps', card: good, lastCorrect: false },
      { itemId: 'recall--one', card: good, lastCorrect: true },
    ];
    expect(lessonMastery(items, cards, new Date(now.getTime() + 1000))).toMatchObject({ completed: false, answered: 3, mastered: 2, mastery: 0.5 });
    // Once the cards are overdue, nothing is mastered any more.
    expect(lessonMastery(items, cards, new Date(Date.parse(good.due) + 1000)).mastered).toBe(0);
  });
});

describe('recall migration', () => {
  it('splits an old whole-recall card into one card per prompt with the same schedule', () => {
    // Prepare
    const card = schedule(undefined, 'good', now);
    const old = { lessonId: 'l', itemId: 'recall', kind: 'recall' as const, card, version: 3 };

    // Act
    const split = splitRecallCard(old, keys[2]);

    // Assess
    expect(split?.map((c) => c.itemId)).toEqual(['recall--one', 'recall--two']);
    expect(split?.every((c) => c.card === card && c.migratedFrom === 'recall')).toBe(true);
  });

  it('leaves prompt cards and other kinds alone', () => {
    const card = schedule(undefined, 'good', now);
    expect(splitRecallCard({ itemId: 'recall--one', kind: 'recall', card }, keys[2])).toBeUndefined();
    expect(splitRecallCard({ itemId: 'q1', kind: 'mcq', card }, keys[0])).toBeUndefined();
  });
});

describe('streak day boundaries', () => {
  it('puts the same instant on different days in different time zones', () => {
    const lateUtc = new Date('2026-12-01T23:30:00Z');
    expect(dayIn(lateUtc, 'UTC')).toBe('2026-12-01');
    expect(dayIn(lateUtc, 'Asia/Tokyo')).toBe('2026-12-02');
    expect(dayIn(lateUtc, 'America/Los_Angeles')).toBe('2026-12-01');
    expect(dayIn(new Date('2026-12-01T07:30:00Z'), 'America/Los_Angeles')).toBe('2026-11-30');
    expect(dayIn(new Date('2026-12-01T10:00:00Z'), 'Pacific/Kiritimati')).toBe('2026-12-02');
  });

  it('counts consecutive days ending today, or yesterday while today is still open', () => {
    const days = ['2026-11-28', '2026-11-29', '2026-11-30'];
    expect(streak(days, new Date('2026-11-30T20:00:00Z'), 'UTC')).toBe(3);
    expect(streak(days, new Date('2026-12-01T20:00:00Z'), 'UTC')).toBe(3);
    expect(streak(days, new Date('2026-12-02T20:00:00Z'), 'UTC')).toBe(0);
    // 2026-12-01T05:00Z is still 30 November in Los Angeles, already 1 December in Tokyo.
    expect(streak(['2026-12-01'], new Date('2026-12-01T05:00:00Z'), 'Asia/Tokyo')).toBe(1);
    expect(streak(['2026-12-01'], new Date('2026-12-01T05:00:00Z'), 'America/Los_Angeles')).toBe(0);
  });

  it('keeps a streak across a daylight-saving change', () => {
    expect(streak(['2026-03-07', '2026-03-08', '2026-03-09'], new Date('2026-03-09T16:00:00Z'), 'America/New_York')).toBe(3);
  });
});

describe('interval labels', () => {
  it('labels intervals like a flashcard app', () => {
    expect(intervalLabel(20_000)).toBe('<1 min');
    expect(intervalLabel(10 * 60_000)).toBe('10 min');
    expect(intervalLabel(5 * 3_600_000)).toBe('5 h');
    expect(intervalLabel(4 * 86_400_000)).toBe('4 d');
    expect(intervalLabel(90 * 86_400_000)).toBe('3 mo');
  });

  it('labels the four ratings of a first review with growing intervals from the scheduler', () => {
    const labels = Object.values(previews(undefined, now)).map((due) => intervalLabel(Date.parse(due) - now.getTime()));
    expect(labels).toEqual(['1 min', '6 min', '10 min', '8 d']);
  });

  it('says when a card comes due in words', () => {
    const at = new Date(2026, 11, 1, 9, 0);
    expect(relativeTime(new Date(at.getTime() + 10 * 60_000), at)).toBe('in 10 minutes');
    expect(relativeTime(new Date(at.getTime() + 3 * 3_600_000), at)).toBe('in 3 hours');
    expect(relativeTime(new Date(2026, 11, 2, 8, 0), at)).toBe('tomorrow');
    expect(relativeTime(new Date(2026, 11, 5, 8, 0), at)).toBe('in 4 days');
    expect(relativeTime(new Date(at.getTime() - 1000), at)).toBe('now');
  });

  it('aims for longer intervals with a lower desired retention', () => {
    const good = schedule(undefined, 'good', now);
    const later = new Date(good.due);
    expect(Date.parse(schedule(good, 'good', later, { desiredRetention: 0.8 }).due)).toBeGreaterThan(Date.parse(schedule(good, 'good', later, { desiredRetention: 0.97 }).due));
  });
});

describe('per-learner FSRS parameters', () => {
  // A first Easy sets stability to w[3]: a learner whose fitted w[3] is larger gets a longer first interval.
  const fitted = default_w.map((value, i) => (i === 3 ? value * 4 : value));

  it('schedules with the learner\'s own parameters when the settings hold them, and with the defaults otherwise', () => {
    // Act
    const withDefaults = schedule(undefined, 'easy', now, { desiredRetention: 0.9 });
    const withExplicitDefaults = schedule(undefined, 'easy', now, { desiredRetention: 0.9, w: default_w });
    const withFitted = schedule(undefined, 'easy', now, { desiredRetention: 0.9, w: fitted });

    // Assess
    expect(withExplicitDefaults.due).toBe(withDefaults.due);
    expect(withFitted.stability).toBeCloseTo(fitted[3]!, 5);
    expect(Date.parse(withFitted.due)).toBeGreaterThan(Date.parse(withDefaults.due));
    expect(previews(undefined, now, { w: fitted }).easy).toBe(withFitted.due);
  });

  it('keeps parameters in the settings item but never takes them from a learner\'s settings update', () => {
    const settings = { dailyGoal: 20, timeZone: 'UTC', desiredRetention: 0.9 };
    expect(settingsSchema.safeParse({ ...settings, w: [...default_w] }).success).toBe(true);
    expect(settingsSchema.safeParse({ ...settings, w: default_w.slice(0, 19) }).success).toBe(true);
    expect(settingsSchema.safeParse({ ...settings, w: [1, 2, 3] }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...settings, w: [...default_w.slice(0, 20), Number.NaN] }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ w: [...default_w] }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ desiredRetention: 0.79 }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ timeZone: 'Mars/Olympus' }).success).toBe(false);
  });
});

describe('anonymous receipts chained per visit', () => {
  const key = Buffer.alloc(32, 3);
  const claims = (receipt: string) => JSON.parse(Buffer.from(receipt.split('.')[0]!, 'base64url').toString()) as { id: string; seq: number; first: { id: string } };
  const recall = (prompt: string) => ({ answer: { prompt, rating: 'good' as const }, outcome: { kind: 'recall' as const, itemId: 'r', prompt, rating: 'good' as const, modelAnswer: '' } });
  const at = (hours: number) => new Date(Date.UTC(2026, 11, 1, 8) + hours * 3_600_000);
  const issue = (prompt: string, hours: number, previous?: string) => issueReceipt(key, { lessonId: 'l', itemId: 'r', ...recall(prompt), at: at(hours), previous });

  it('continues the visit of the previous receipt for the same card, carrying its first answer', () => {
    const first = issue('a', 0);
    expect(claims(issue('a', 1, first))).toMatchObject({ seq: 2, first: { id: claims(first).id } });
  });

  it('starts a new visit for a previous receipt that is older than a visit, for another prompt, or not ours', () => {
    const first = issue('a', 0);
    const forged = signReceipt(Buffer.alloc(32, 9), claims(first) as never);
    for (const next of [issue('a', VISIT_HOURS, first), issue('b', 1, first), issue('a', 1, forged), issue('a', 1, 'junk')]) {
      expect(claims(next)).toMatchObject({ seq: 1, first: { id: claims(next).id } });
    }
  });

  it('merges the first answer of each visit as the one that schedules, whichever receipts are sent', () => {
    const first = issue('a', 0);
    const later = issue('a', 1, first);
    const proven = (receipt: string) => {
      const check = verifyReceipt(key, receipt, recall('a').answer, at(2).getTime());
      if (!check.valid) throw new Error(check.reason);
      return { check, answer: recall('a').answer };
    };
    expect(answersToMerge([proven(later)]).map((a) => [a.id, a.practice])).toEqual([[claims(first).id, false], [claims(later).id, true]]);
    expect(answersToMerge([proven(later), proven(first)])).toHaveLength(2);
  });
});
