import { describe, expect, it } from 'vitest';
import type { CardState } from '../../lambdas/domain/scheduling';
import { defaultSettings } from '../../lambdas/domain/settings';
import { learnerStats, type StatsInput } from '../../lambdas/domain/stats';
import { accuracyByTrack } from '../../web/client/accuracy';

// 03:00 UTC on 1 December is still 30 November in New York (UTC-5): the learner's day decides.
const now = new Date('2026-12-01T03:00:00.000Z');
const settings = { ...defaultSettings, timeZone: 'America/New_York', desiredRetention: 0.85 };
const cardDue = (due: string): CardState => ({ due, stability: 3, difficulty: 5, elapsedDays: 0, scheduledDays: 3, learningSteps: 0, reps: 2, lapses: 0, state: 'review' });
const before = (state: CardState['state']) => ({ ...cardDue('2026-11-29T00:00:00.000Z'), state });
const input = (over: Partial<StatsInput>): StatsInput => ({ settings, days: [], logs: [], cards: [], now, ...over });

describe('learner statistics', () => {
  it('forecasts the next 30 learner days, counting overdue cards today and nothing past day 30', () => {
    // Prepare
    const cards = [
      cardDue('2026-11-01T12:00:00.000Z'), // a month overdue: today
      cardDue('2026-12-01T04:00:00.000Z'), // 23:00 on 30 November in New York: today
      cardDue('2026-12-01T06:00:00.000Z'), // 01:00 on 1 December in New York: tomorrow
      cardDue('2026-12-29T15:00:00.000Z'), // the 30th day
      cardDue('2026-12-30T15:00:00.000Z'), // the 31st day: beyond the forecast
    ];

    // Act
    const { today, forecast } = learnerStats(input({ cards }));

    // Assess
    expect(today).toBe('2026-11-30');
    expect(forecast).toHaveLength(30);
    expect(forecast[0]).toEqual({ day: '2026-11-30', due: 2 });
    expect(forecast[1]).toEqual({ day: '2026-12-01', due: 1 });
    expect(forecast[29]).toEqual({ day: '2026-12-29', due: 1 });
    expect(forecast.reduce((n, f) => n + f.due, 0)).toBe(4);
  });

  it('lays the last 90 days out oldest first, ending today, with the days that had reviews', () => {
    // Act
    const { heatmap } = learnerStats(input({ days: [{ day: '2026-11-30', reviews: 7 }, { day: '2026-09-02', reviews: 3 }, { day: '2026-09-01', reviews: 9 }] }));

    // Assess: 1 September is 90 days back (outside), 2 September is the first day shown
    expect(heatmap).toHaveLength(90);
    expect(heatmap[0]).toEqual({ day: '2026-09-02', reviews: 3 });
    expect(heatmap[89]).toEqual({ day: '2026-11-30', reviews: 7 });
    expect(heatmap.reduce((n, d) => n + d.reviews, 0)).toBe(10);
  });

  it('measures true retention from reviews of cards in the review state only, against the desired retention', () => {
    // Prepare: four mature reviews (one forgotten), plus a first meeting and a learning step that must not count
    const logs = [
      { lessonId: 'a', rating: 'good' as const, before: before('review') },
      { lessonId: 'a', rating: 'hard' as const, before: before('review') },
      { lessonId: 'b', rating: 'easy' as const, before: before('review') },
      { lessonId: 'b', rating: 'again' as const, before: before('review') },
      { lessonId: 'b', rating: 'again' as const },
      { lessonId: 'a', rating: 'again' as const, before: before('learning') },
      { lessonId: 'a', rating: 'good' as const, before: before('relearning') },
    ];

    // Act
    const { retention } = learnerStats(input({ logs }));

    // Assess
    expect(retention).toEqual({ target: 0.85, reviews: 4, recalled: 3, measured: 0.75 });
  });

  it('reports no measured retention before any mature review', () => {
    expect(learnerStats(input({ logs: [{ lessonId: 'a', rating: 'good' }] })).retention).toEqual({ target: 0.85, reviews: 0, recalled: 0, measured: null });
  });

  it('counts accuracy per lesson over every scheduled answer (right is anything above Again), and sums it per track', () => {
    // Prepare: lessons a and b are in one track, c in another; d is no longer in the catalog
    const logs = [
      { lessonId: 'a', rating: 'again' as const },
      { lessonId: 'a', rating: 'good' as const, before: before('learning') },
      { lessonId: 'a', rating: 'easy' as const, before: before('review') },
      { lessonId: 'b', rating: 'hard' as const },
      { lessonId: 'c', rating: 'again' as const },
      { lessonId: 'd', rating: 'good' as const },
    ];
    const trackOf = new Map([
      ['a', 'Security'],
      ['b', 'Security'],
      ['c', 'Data'],
    ]);

    // Act
    const { accuracy } = learnerStats(input({ logs }));
    const tracks = accuracyByTrack(accuracy, trackOf);

    // Assess
    expect(accuracy).toEqual([
      { lessonId: 'a', right: 2, total: 3 },
      { lessonId: 'b', right: 1, total: 1 },
      { lessonId: 'c', right: 0, total: 1 },
      { lessonId: 'd', right: 1, total: 1 },
    ]);
    expect(tracks).toEqual([
      { label: 'Security', value: 0.75, n: 4 },
      { label: 'Data', value: 0, n: 1 },
      { label: 'Other', value: 1, n: 1 },
    ]);
  });
});
