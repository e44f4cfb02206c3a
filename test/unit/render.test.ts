import { describe, expect, it } from 'vitest';
import { assembleCatalog } from '../../lambdas/domain/catalog';
import { appearsAgainIn, conceptIndex } from '../../lambdas/domain/concepts';
import { readingMinutes, parseLesson } from '../../lambdas/domain/lesson';
import { createMarkdownRenderer, highlightCode } from '../../lambdas/render/markdown';
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
    expect(html).toContain('<pre tabindex="0"><code class="hljs language-ts">');
    expect(html).toMatch(/<span class="hljs-keyword">export<\/span>/);
    expect(html).not.toMatch(/style=|<script/);
  });

  it('renders tables in a focusable scroll region, with no empty header cell and no style attribute', () => {
    // Act
    const md = createMarkdownRenderer();
    const html = md.block('| | ID token | Access token |\n|---|:---:|---|\n| Reader | client | API |\n');
    const second = md.block('| a | b |\n|---|---|\n| 1 | 2 |\n');

    // Assess
    expect(html).toMatch(/^<div class="table-scroll" tabindex="0" role="region" aria-label="Table 1"><table>/);
    expect(second).toContain('aria-label="Table 2"');
    expect(html).toContain('<td></td>');
    expect(html).toContain('<th scope="col" class="align-center">ID token</th>');
    expect(html).not.toMatch(/<th[^>]*>\s*<\/th>|style=/);
  });

  it('escapes code in a language it does not know instead of guessing', () => {
    expect(highlightCode('<b>&</b>', 'klingon')).toBe('<pre tabindex="0"><code class="hljs">&lt;b&gt;&amp;&lt;/b&gt;</code></pre>\n');
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

describe('sanitizing rendered Markdown (the second wall behind check)', () => {
  it('shows raw HTML as text, drops script bodies and empties unsafe link targets', () => {
    // Prepare: what check rejects, rendered anyway
    const md = createMarkdownRenderer();

    // Act
    const html = md.block('<script>alert(1)</script>\n\n<meta http-equiv="refresh" content="0;url=https://evil.example"> <img src=x onerror=alert(1)> <iframe src="https://evil.example"></iframe>\n\nSee [a](javascript:alert(1)) [b](data:text/html,x) [c](https://example.com)');
    const choice = md.inline('The <script>alert(1)</script> tag, [link](vbscript:x)');

    // Assess
    expect(html).not.toMatch(/<(script|meta|iframe)|<img[^>]*onerror|href="(javascript|data):/);
    expect(html).toContain('&lt;meta http-equiv="refresh"');
    expect(html).toContain('<a href="https://example.com">c</a>');
    expect(choice).not.toMatch(/<script|href="vbscript:/);
  });

  it('keeps no image source but a published figure, even from raw HTML', () => {
    const html = createMarkdownRenderer().block('<img src="https://tracker.example/p.png" alt="pixel"> <img src="/figures/flow-abc.svg" alt="flow">');
    expect(html).not.toContain('tracker.example');
    expect(html).toContain('src="/figures/flow-abc.svg"');
  });

  it.each(['jav&Tab;ascript:alert(1)', 'jav&NewLine;ascript:alert(1)', 'java&#x09;script:alert(1)', 'javascript&colon;alert(1)', 'JaVaScRiPt:alert(1)'])(
    'empties a link whose scheme hides behind a character reference or case: %s',
    (target) => {
      const html = createMarkdownRenderer().block(`[a](${target}) [b](<${target}>)`);
      expect(html).not.toMatch(/href="[^"]*(script|&)/i);
    },
  );

  it('keeps what the renderer itself writes: anchors, highlighted code, tables, task lists', () => {
    const html = createMarkdownRenderer().block('## Title\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n```ts\nconst x = 1;\n```\n\n- [x] done\n');
    expect(html).toContain('<h2 id="title">Title <a class="anchor" href="#title" aria-label="Link to this section">#</a></h2>');
    expect(html).toContain('<th scope="col" class="align-center">b</th>');
    expect(html).toContain('<pre tabindex="0"><code class="hljs language-ts"><span class="hljs-keyword">const</span>');
    expect(html).toContain('<input checked disabled type="checkbox">');
    expect(html).toContain('<div class="table-scroll" tabindex="0" role="region" aria-label="Table 1">');
  });
});
