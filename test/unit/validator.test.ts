import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readContentTree } from '../../bin/local/content';
import { repoRoot } from '../../lib/paths';
import { checkLessonIds, formatProblem, internalLinks, validateTree } from '../../lambdas/domain/validate';
import { parseLesson } from '../../lambdas/domain/lesson';
import { nextLedger } from '../../lambdas/domain/item-ids';
import { lessonSource } from '../fixtures/synthetic-catalog';

const corpus = join(repoRoot, 'test/fixtures/bad-content');

/** The problems the corpus promises, read from its `expect` markers. */
function expectations(files: { key: string; body: string }[]) {
  const expected: { file: string; line: number; text: string }[] = [];
  for (const file of files.filter((f) => f.key !== 'README.md')) {
    file.body.split('\n').forEach((text, i) => {
      for (const match of text.matchAll(/expect(-next|@\d+)?: (.+?)\s*(?:-->|$)/g)) {
        const line = match[1] === '-next' ? i + 2 : match[1]?.startsWith('@') ? Number(match[1].slice(1)) : i + 1;
        expected.push({ file: file.key, line, text: match[2]! });
      }
    });
  }
  return expected;
}

describe('content validator', () => {
  it('reports every marked problem of the bad-content corpus on its line, all in one run', async () => {
    // Prepare
    const files = await readContentTree(corpus);
    const expected = expectations(files);

    // Act
    const { problems } = validateTree(files);

    // Assess
    expect(expected.length).toBeGreaterThan(20);
    for (const { file, line, text } of expected) {
      const onLine = problems.filter((p) => p.file === file && p.line === line);
      expect(onLine.map(formatProblem), `${file}:${line} should report "${text}"`).toEqual(expect.arrayContaining([expect.stringContaining(text)]));
    }
    const unexpected = problems.filter((p) => !expected.some((e) => e.file === p.file && e.line === p.line));
    expect(unexpected.map(formatProblem)).toEqual([]);
    expect(problems.some((p) => p.file.endsWith('good-lesson.md'))).toBe(false);
  });

  it('finds no problem in the sample curriculum, which spans several tracks, all levels and every block in every lesson', async () => {
    // Act
    const { lessons, problems } = validateTree(await readContentTree(join(repoRoot, 'content')));

    // Assess
    expect(problems.map(formatProblem)).toEqual([]);
    expect(lessons.length).toBeGreaterThanOrEqual(12);
    expect(new Set(lessons.map((l) => l.meta.track)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(lessons.map((l) => l.meta.level))).toEqual(new Set(['junior', 'middle', 'senior']));
    for (const lesson of lessons) {
      const kinds = new Set(lesson.blocks.map((b) => (b.kind === 'callout' ? b.variant : b.kind)));
      expect([...kinds].sort(), lesson.meta.id).toEqual(expect.arrayContaining(['markdown', 'mcq', 'metaphor', 'ordering', 'recall', 'summary']));
    }
  });

  it('formats problems as file:line:col message', () => {
    expect(formatProblem({ file: 'a/b/c.md', line: 3, column: 7, message: 'broken' })).toBe('a/b/c.md:3:7 broken');
  });

  it('ignores /lessons/ paths inside code blocks and API paths when looking for links', () => {
    const body = '---\nid: x\n---\nSee [y](/lessons/y/) and `GET /api/lessons/z/attempts`.\n```\n/lessons/in-code/\n```\n';
    expect(internalLinks(body)).toEqual([{ id: 'y', line: 4, column: 9 }]);
  });

  it('points at the choice line when a retired choice id comes back with different text', () => {
    // Prepare
    const source = lessonSource({ id: 'l', track: 't', unit: 'u' });
    const withoutWrong = source.replace('- id: wrong', '- id: other');
    const ledger = nextLedger(nextLedger({}, parseLesson('l.md', source), '2026-01-01T00:00:00Z'), parseLesson('l.md', withoutWrong), '2026-02-01T00:00:00Z');
    const changed = source.replace('text: A wrong answer.', 'text: Another wrong answer.');

    // Act
    const problems = checkLessonIds({ key: 'l.md', body: changed }, parseLesson('l.md', changed), ledger);

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: changed.split('\n').indexOf('  - id: wrong') + 1, message: expect.stringMatching(/choice id "wrong" of "l-mcq" was retired on 2026-02-01/) }),
    ]);
  });

  it('refuses to change the kind of a published item under the same id', () => {
    const mcq = lessonSource({ id: 'l', track: 't', unit: 'u' });
    const ledger = nextLedger({}, parseLesson('l.md', mcq), '2026-01-01T00:00:00Z');
    const swapped = mcq.replace('id: l-mcq', 'id: tmp').replace('id: l-order', 'id: l-mcq');
    const problems = checkLessonIds({ key: 'l.md', body: swapped }, parseLesson('l.md', swapped), ledger);
    expect(problems.map((p) => p.message)).toContain('item id "l-mcq" is a published mcq; a different kind of exercise needs a new id');
  });
});

describe('docs/authoring.md', () => {
  it('shows a complete example lesson that passes every check against the sample curriculum', async () => {
    // Prepare
    const doc = readFileSync(join(repoRoot, 'docs/authoring.md'), 'utf8');
    const example = /````markdown\n([\s\S]*?)````/.exec(doc)?.[1] ?? '';
    const file = { key: 'apis/idempotency/retry-budgets.md', body: example };

    // Act
    const { problems } = validateTree([...(await readContentTree(join(repoRoot, 'content'))), file]);

    // Assess
    expect(problems.map(formatProblem)).toEqual([]);
    expect(new Set(parseLesson(file.key, example).blocks.map((b) => b.kind))).toEqual(new Set(['markdown', 'callout', 'mcq', 'ordering', 'recall', 'summary']));
  });
});
