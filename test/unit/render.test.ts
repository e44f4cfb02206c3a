import { describe, expect, it } from 'vitest';
import { assembleCatalog } from '../../lambdas/domain/catalog';
import { appearsAgainIn, conceptIndex } from '../../lambdas/domain/concepts';
import { readingMinutes, parseLesson } from '../../lambdas/domain/lesson';
import { highlightCode } from '../../lambdas/render/markdown';
import { lessonSummary, renderConceptIndexPage, renderLessonBody, renderLessonPage } from '../../lambdas/render';
import { lessonSource } from '../fixtures/synthetic-catalog';

const summaryOf = (id: string, order: number, concepts: string[]) =>
  lessonSummary(parseLesson(`${id}.md`, lessonSource({ id, track: 't', unit: 'u', order, concepts })));
const tracks = [{ id: 't', title: 'Track', order: 1, description: 'd' }];
const units = [{ id: 'u', track: 't', title: 'Unit', order: 1, description: 'd' }];

describe('rendering at ingest time', () => {
  it('highlights code server-side into hljs classes, with no inline styles and no script', () => {
    // Act
    const html = renderLessonBody(parseLesson('x.md', lessonSource({ id: 'x', track: 't', unit: 'u' })));

    // Assess
    expect(html).toContain('<pre><code class="hljs language-ts">');
    expect(html).toMatch(/<span class="hljs-keyword">export<\/span>/);
    expect(html).not.toMatch(/style=|<script/);
  });

  it('escapes code in a language it does not know instead of guessing', () => {
    expect(highlightCode('<b>&</b>', 'klingon')).toBe('<pre><code class="hljs">&lt;b&gt;&amp;&lt;/b&gt;</code></pre>\n');
  });

  it('computes reading time from the text, unless the author overrides it', () => {
    const long = lessonSource({ id: 'x', track: 't', unit: 'u', prose: 'word '.repeat(1100) });
    expect(readingMinutes(parseLesson('x.md', long))).toBe(5);
    expect(readingMinutes(parseLesson('x.md', long.replace('level: junior', 'level: junior\nreadingMinutes: 12')))).toBe(12);
  });

  it('links each lesson to the others sharing its concepts, most shared first, and never to itself', () => {
    // Prepare
    const catalog = assembleCatalog(tracks, units, [summaryOf('a', 1, ['x', 'y']), summaryOf('b', 2, ['y']), summaryOf('c', 3, ['x', 'y']), summaryOf('d', 4, ['z'])]);

    // Act
    const related = appearsAgainIn(catalog, 'a');

    // Assess
    expect(related).toEqual([
      { lesson: expect.objectContaining({ id: 'c' }), shared: ['x', 'y'] },
      { lesson: expect.objectContaining({ id: 'b' }), shared: ['y'] },
    ]);
    expect(appearsAgainIn(catalog, 'd')).toEqual([]);
  });

  it('shows "Appears again in" on the page and builds the concept index page from the catalog', () => {
    // Prepare
    const a = parseLesson('a.md', lessonSource({ id: 'a', track: 't', unit: 'u', order: 1, concepts: ['tokens'] }));
    const catalog = assembleCatalog(tracks, units, [lessonSummary(a), summaryOf('b', 2, ['tokens'])]);

    // Act
    const page = renderLessonPage(a, catalog);
    const index = renderConceptIndexPage(catalog);

    // Assess
    expect(page).toMatch(/Appears again in[\s\S]*<a href="\/lessons\/b\/">Lesson b<\/a>[\s\S]*href="\/concepts\/#concept-tokens"/);
    expect(conceptIndex(catalog)).toEqual([{ concept: 'tokens', lessons: [expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' })] }]);
    expect(index).toMatch(/<dt id="concept-tokens">tokens<\/dt>\s*<dd><ul><li><a href="\/lessons\/a\/">/);
  });
});
