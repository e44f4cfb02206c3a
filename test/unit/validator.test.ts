import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figureProblems } from '../../bin/content/figures';
import { readContentTree } from '../../bin/local/content';
import { repoRoot } from '../../lib/paths';
import { checkLessonIds, checkRenderedLesson, formatProblem, internalLinks, validateTree, type ContentFile } from '../../lambdas/domain/validate';
import { limits } from '../../lambdas/domain/limits';
import { renderLessonBody } from '../../lambdas/render';
import { corpus, settleCorpusTimes } from '../support/corpus';
import { parseLesson } from '../../lambdas/domain/lesson';
import { nextLedger } from '../../lambdas/domain/item-ids';
import { lessonSource } from '../fixtures/synthetic-catalog';


/** The problems the corpus promises, read from its `expect` markers. */
function expectations(files: { key: string; body: string }[]) {
  const expected: { file: string; line: number; text: string }[] = [];
  for (const file of files.filter((f) => f.key !== 'README.md')) {
    file.body.split(/\r\n|\r|\n/).forEach((text, i) => {
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
    await settleCorpusTimes();
    const files = await readContentTree(corpus);
    const expected = expectations(files);

    // Act: as `content check` runs it, figures included (their files are read from disk).
    const problems = [...validateTree(files).problems, ...(await figureProblems(corpus, files))];

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

/** A lesson in the sample unit with `body` after its front matter. */
const lessonWith = (id: string, body: string, frontMatter = ''): ContentFile => ({
  key: `t/u/${id}.md`,
  body: `---\nid: ${id}\ntitle: T\ntrack: t\nunit: u\norder: 1\nlevel: junior\nconcepts: [c]\nsummary: S.\n${frontMatter}---\n\n${body}\n`,
});
const tree = (...lessons: ContentFile[]): ContentFile[] => [
  { key: 't/track.yaml', body: 'title: T\norder: 1\ndescription: D.\n' },
  { key: 't/u/unit.yaml', body: 'title: U\norder: 1\ndescription: D.\n' },
  ...lessons,
];
const mcq = (choices: number) =>
  `:::mcq\nid: q\nprompt: Which?\nchoices:\n${Array.from({ length: choices }, (_, i) => `  - id: c${i}\n    text: Choice ${i}.\n    correct: true\n    explanation: Because.\n`).join('')}:::`;
/** Wording that comes from a library, not from us. */
const libraryWording = /Invalid input|Too small|Too big|expected \w+, received|Maximum call stack|Unrecognized key|Invalid option/;

describe('inputs that used to crash the validator end as file:line:col reports', () => {
  it.each([
    ['a 5 MB lesson', lessonWith('huge', 'Words and more words.\n'.repeat(250_000)), /over the limit of 100 KiB per file/],
    ['an MCQ with 10,000 choices (over the file size limit)', lessonWith('choices', mcq(10_000)), /this file is 789 KiB, over the limit of 100 KiB/],
    ['an MCQ with 1,000 choices', lessonWith('choices', mcq(1_000)), /choices has 1000 choices, at most 10 allowed/],
    ['20,000 nested quotes', lessonWith('quotes', `${'>'.repeat(20_000)} deep`), /nest 20000 levels deep here, at most 8/],
    ['YAML nested 20,000 deep', lessonWith('yaml', `:::mcq\nid: q\nprompt: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n:::`), /YAML: the YAML is nested too deeply/],
    ['an undefined alias', lessonWith('alias', 'Prose.').body.replace('concepts: [c]', 'concepts: *x'), /YAML alias "\*x" refers to no anchor/],
  ])('%s', (_name, input, message) => {
    // Prepare
    const file = typeof input === 'string' ? { key: 't/u/alias.md', body: input } : input;

    // Act
    const { problems } = validateTree(tree(file), { render: renderLessonBody });

    // Assess
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(new RegExp(`^t/u/\\w+\\.md:\\d+:\\d+ .*${message.source}`))]);
  });

  it('reports a lesson whose page would not fit in its stored item, at its largest block', () => {
    // Prepare: under the file limit, but highlighted code grows many times over
    const code = `\`\`\`ts\n${'const a = 1; let b = 2; '.repeat(3_500)}\n\`\`\``;
    const file = lessonWith('big-page', `Prose.\n\n${code}`);
    expect(file.body.length).toBeLessThan(limits.fileBytes);

    // Act
    const { problems } = validateTree(tree(file), { render: renderLessonBody });

    // Assess
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/^t\/u\/big-page\.md:11:1 this lesson renders to \d+ KiB of HTML, over the limit of 300 KiB/)]);
  });

  it('turns a renderer that throws (a stack overflow) into a report instead of an exception', () => {
    // Prepare
    const file = lessonWith('x', 'Prose.');
    const lesson = parseLesson(file.key, file.body);
    const overflowing = () => {
      throw new RangeError('Maximum call stack size exceeded');
    };

    // Act
    const { problems } = checkRenderedLesson(file, lesson, overflowing);

    // Assess
    expect(problems.map(formatProblem)).toEqual(['t/u/x.md:1:1 this lesson could not be rendered (it nests too deeply): simplify its Markdown']);
  });

  it('reports each file of a tree on its own: one broken file hides nothing in the others', () => {
    // Prepare
    const broken = { key: 't/u/broken.md', body: lessonWith('broken', '').body.replace('concepts: [c]', 'concepts: *x') };
    const other = lessonWith('other', 'A [link](/lessons/nowhere/).');

    // Act
    const { problems } = validateTree(tree(broken, other));

    // Assess
    expect(problems.map((p) => p.file)).toEqual(['t/u/broken.md', 't/u/other.md']);
  });
});

describe('what check accepts and rejects', () => {
  it('blames the newer of two files that claim one lesson id, as ingest rejects the new upload', () => {
    // Prepare: the file in the path-first folder is the newer one
    const older = { ...lessonWith('same', 'Prose.'), key: 't/u/same.md', modified: 1_000 };
    const newer = { ...lessonWith('same', 'Prose.'), key: 't/a/same.md', modified: 2_000 };

    // Act
    const { problems } = validateTree([...tree(older), { key: 't/a/unit.yaml', body: 'title: A\norder: 2\ndescription: D.\n' }, { ...newer, body: newer.body.replace('unit: u', 'unit: a') }]);

    // Assess
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/^t\/a\/same\.md:2:1 lesson id "same" is already used by t\/u\/same\.md/)]);
  });

  it('does not read /lessons/<id>/ inside inline code as a link, but checks relative links', () => {
    const body = '---\nid: x\n---\nWrite `/lessons/<id>/` or ``/lessons/y/``; see [z](../z/) and [self](./).\n';
    const line = body.split('\n')[3]!;
    expect(internalLinks(body, 'x')).toEqual([
      { id: 'z', line: 4, column: line.indexOf('../z/') + 1 },
      { id: 'x', line: 4, column: line.indexOf('./)') + 1 },
    ]);
  });

  it('accepts the front matter closed by "---" with trailing spaces and CRLF line endings', () => {
    const file = lessonWith('crlf', 'Prose.');
    const { problems } = validateTree(tree({ ...file, body: file.body.replace('S.\n---\n', 'S.\n---  \n').replace(/\n/g, '\r\n') }));
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('never answers with library wording anywhere in the bad-content corpus', async () => {
    // Act
    const { problems } = validateTree(await readContentTree(corpus), { render: renderLessonBody });

    // Assess
    expect(problems.filter((p) => libraryWording.test(p.message)).map(formatProblem)).toEqual([]);
  });
});
