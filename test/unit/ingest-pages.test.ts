import { describe, expect, it } from 'vitest';
import { assembleCatalog, type LessonSummary } from '../../lambdas/domain/catalog';
import { newestPerKey } from '../../lambdas/events/decide';
import { EXACT_PATH_LIMIT, invalidationPaths } from '../../lambdas/events/page-writes';
import { allPageContexts, catalogPagePaths, lessonPath, pageContext, pagePaths } from '../../lambdas/render';
import { normalizeSequencer } from '../../lambdas/store/content';

const summary = (id: string, unit: string, order: number, concepts: string[]): LessonSummary => ({
  id,
  title: `Lesson ${id}`,
  track: 't',
  unit,
  order,
  level: 'junior',
  concepts,
  summary: 's',
  readingMinutes: 3,
});

describe('page contexts of a whole catalog', () => {
  it('are the same as the page context of each lesson computed alone', () => {
    // Prepare: two units, shared and repeated concepts, a lesson without a unit file.
    const lessons = [
      summary('a', 'u1', 1, ['x', 'y']),
      summary('b', 'u1', 2, ['y']),
      summary('c', 'u2', 1, ['x', 'z', 'y']),
      summary('d', 'u2', 2, ['z']),
      summary('e', 'u3', 1, ['q']),
    ];
    const catalog = assembleCatalog([{ id: 't', title: 'T', order: 1, description: 'd' }], [
      { id: 'u1', track: 't', title: 'U1', order: 1, description: 'd' },
      { id: 'u2', track: 't', title: 'U2', order: 2, description: 'd' },
    ], lessons);

    // Act
    const all = allPageContexts(catalog);

    // Assess
    for (const lesson of lessons) expect(all.get(lesson.id)).toEqual(pageContext(catalog, lesson));
  });
});

describe('invalidation paths', () => {
  it('sends exact paths, each once, up to the limit', () => {
    const stale = [...pagePaths(lessonPath('a')), ...pagePaths(lessonPath('a')), ...catalogPagePaths()];
    expect(invalidationPaths(stale)).toEqual([...pagePaths(lessonPath('a')), ...catalogPagePaths()]);
  });

  it('replaces lesson paths by one wildcard past the limit, keeping the catalog-wide paths exact', () => {
    const stale = [...Array.from({ length: EXACT_PATH_LIMIT }, (_, i) => pagePaths(lessonPath(`l${i}`))).flat(), ...catalogPagePaths()];
    const paths = invalidationPaths(stale);
    expect(paths).toEqual(['/lessons/*', ...catalogPagePaths()]);
  });
});

describe('event order', () => {
  it('compares S3 sequencers of different lengths after padding', () => {
    expect(normalizeSequencer('FF') < normalizeSequencer('100')).toBe(true);
    expect(normalizeSequencer('0055A1') > normalizeSequencer('0055A0')).toBe(true);
  });

  it('keeps only the newest event of each key in a batch, whatever the arrival order', () => {
    const events = newestPerKey([
      { kind: 'put', key: 'a.md', sequencer: '0A' },
      { kind: 'remove', key: 'a.md', sequencer: '09' },
      { kind: 'put', key: 'b.md', sequencer: '01' },
    ]);
    expect(events).toEqual([{ kind: 'put', key: 'a.md', sequencer: '0A' }, { kind: 'put', key: 'b.md', sequencer: '01' }]);
  });
});
