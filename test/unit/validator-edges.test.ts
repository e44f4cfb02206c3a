import { describe, expect, it } from 'vitest';
import { parseLesson } from '../../lambdas/domain/lesson';
import { limits } from '../../lambdas/domain/limits';
import { nextLedger } from '../../lambdas/domain/item-ids';
import {
  checkGroupMeta,
  checkLessonFile,
  checkLessonIds,
  checkLessonInContext,
  checkRenderedLesson,
  classifyKey,
  duplicateOrders,
  formatProblem,
  prerequisiteCycles,
  prerequisiteCycleThrough,
  treeContext,
  validateTree,
  type ContentFile,
} from '../../lambdas/domain/validate';
import { lessonSource } from '../fixtures/synthetic-catalog';

/**
 * The edges of content validation: which paths are lessons, where each problem is reported, how
 * many are reported, and which of two files is blamed. Each expectation is the exact report an
 * author reads, so a check that moves its pointer or drops its condition fails here.
 */

/** A lesson of unit t/u whose front matter ends with `extra` lines and whose body is `body`. */
const lesson = (id: string, { body = 'Prose.', extra = 'order: 1\n', key = `t/u/${id}.md`, modified }: { body?: string; extra?: string; key?: string; modified?: number } = {}): ContentFile => ({
  key,
  body: `---\nid: ${id}\ntitle: T\ntrack: t\nunit: u\nlevel: junior\nconcepts: [c]\nsummary: S.\n${extra}---\n\n${body}\n`,
  ...(modified !== undefined ? { modified } : {}),
});
const withOrder = (id: string, order: number, options: { prerequisites?: string[]; key?: string; modified?: number; body?: string } = {}) =>
  lesson(id, { ...options, extra: `${options.prerequisites ? `prerequisites: [${options.prerequisites.join(', ')}]\n` : ''}order: ${order}\n` });
const track = { key: 't/track.yaml', body: 'title: T\norder: 1\ndescription: D.\n' };
const unit = { key: 't/u/unit.yaml', body: 'title: U\norder: 1\ndescription: D.\n' };
const parsed = (...files: ContentFile[]) => files.map((file) => ({ file, lesson: parseLesson(file.key, file.body) }));
const lineOf = (file: ContentFile, text: string) => file.body.split('\n').findIndex((l) => l.startsWith(text)) + 1;

describe('which files are content', () => {
  it.each([
    ['t/track.yaml', { kind: 'track', track: 't' }],
    ['t/u/unit.yaml', { kind: 'unit', track: 't', unit: 'u' }],
    ['t/u/intro.md', { kind: 'lesson', track: 't', unit: 'u', name: 'intro' }],
    ['t/u/Intro.MD', { kind: 'lesson', track: 't', unit: 'u', name: 'Intro' }],
    ['t/u/a.md-notes.md', { kind: 'lesson', track: 't', unit: 'u', name: 'a.md-notes' }],
    ['t./u/x.md', { kind: 'lesson', track: 't.', unit: 'u', name: 'x' }],
    ['t/x.md', { kind: 'lesson', track: undefined, unit: undefined, name: 'x' }],
    ['x.md', { kind: 'lesson', track: undefined, unit: undefined, name: 'x' }],
    ['notreadme.md', { kind: 'lesson', track: undefined, unit: undefined, name: 'notreadme' }],
    ['readme.mdx.md', { kind: 'lesson', track: undefined, unit: undefined, name: 'readme.mdx' }],
    ['a/b/c/d.md', { kind: 'lesson', track: undefined, unit: undefined, name: 'd' }],
    ['README.md', undefined],
    ['readme.MD', undefined],
    ['track.yaml', undefined],
    ['t/unit.yaml', undefined],
    ['t/u/track.yaml', undefined],
    ['x/t/u/unit.yaml', undefined],
    ['t/u/x.md.bak', undefined],
    ['t/u/notes.txt', undefined],
    ['.git/u/x.md', undefined],
    ['t/.drafts/x.md', undefined],
  ])('%s', (key, expected) => {
    expect(classifyKey(key)).toEqual(expected);
  });
});

describe('where problems are reported', () => {
  it('points at the order line even when it is the last line of the front matter', () => {
    // Prepare: two lessons of one unit at order 2; the newer one is blamed
    const older = withOrder('a', 2, { modified: 1 });
    const newer = withOrder('b', 2, { modified: 2 });

    // Act
    const problems = duplicateOrders(parsed(newer, older));

    // Assess
    expect(problems.map(formatProblem)).toEqual([`t/u/b.md:${lineOf(newer, 'order:')}:1 order 2 is already taken in unit t/u by t/u/a.md: give each lesson of a unit its own order`]);
  });

  it('lets lessons of other units and other orders share nothing', () => {
    const problems = duplicateOrders(parsed(withOrder('a', 1), withOrder('b', 2), { ...withOrder('c', 1), key: 't/v/c.md', body: withOrder('c', 1).body.replace('unit: u', 'unit: v') }));
    expect(problems).toEqual([]);
  });

  it('falls back to the prerequisites line when the id cannot be found in the front matter, never into the body', () => {
    // Prepare: the unknown id is written with a YAML escape; the body mentions it right after the front matter
    const file: ContentFile = { key: 't/u/x.md', body: '---\nid: x\ntitle: T\ntrack: t\nunit: u\norder: 1\nlevel: junior\nconcepts: [c]\nsummary: S.\nprerequisites: ["now\\x68ere"]\n---\nnowhere is mentioned here.\n' };
    const context = treeContext([track, unit, file], parsed(file));

    // Act
    const problems = checkLessonInContext(file, parseLesson(file.key, file.body), context);

    // Assess
    expect(problems.map(formatProblem)).toEqual(['t/u/x.md:10:1 unknown prerequisite "nowhere": write the id of an existing lesson, or remove it']);
  });

  it('reports an unknown prerequisite at its own position, a known one not at all, and its own id as a self-reference', () => {
    // Prepare
    const known = withOrder('known', 1);
    const file = withOrder('x', 2, { prerequisites: ['known', 'x', 'ghost'] });
    const context = treeContext([track, unit, known, file], parsed(known, file));
    const line = lineOf(file, 'prerequisites:');
    const text = file.body.split('\n')[line - 1]!;

    // Act
    const problems = checkLessonInContext(file, parseLesson(file.key, file.body), context);

    // Assess
    expect(problems.map(formatProblem)).toEqual([
      `t/u/x.md:${line}:${text.search(/\bx\b/) + 1} a lesson cannot be its own prerequisite: remove its own id from prerequisites`,
      `t/u/x.md:${line}:${text.indexOf('ghost') + 1} unknown prerequisite "ghost": write the id of an existing lesson, or remove it`,
    ]);
  });

  it('names the missing track or unit at its key line', () => {
    // Prepare
    const noTrack = { ...lesson('a'), body: lesson('a').body.replace('track: t', 'track: nope') };
    const noUnit = { ...lesson('b'), body: lesson('b').body.replace('unit: u', 'unit: nope') };
    const context = treeContext([track, unit, noTrack, noUnit], []);

    // Act
    const problems = [noTrack, noUnit].flatMap((file) => checkLessonInContext(file, parseLesson(file.key, file.body), context));

    // Assess
    expect(problems.map(formatProblem)).toEqual([
      `t/u/a.md:${lineOf(noTrack, 'track:')}:1 unknown track "nope": nope/track.yaml does not exist`,
      `t/u/b.md:${lineOf(noUnit, 'unit:')}:1 unknown unit "nope": t/nope/unit.yaml does not exist`,
    ]);
  });

  it('tells a lesson outside <track>/<unit>/ where to move, and a misfiled one which field disagrees', () => {
    // Prepare
    const atRoot = lesson('x', { key: 'x.md' });
    const misfiled = { ...lesson('y', { key: 'o/v/z.md' }) };

    // Act
    const root = checkLessonFile(atRoot).problems.map(formatProblem);
    const wrong = checkLessonFile(misfiled).problems.map(formatProblem);

    // Assess
    expect(root).toEqual(['x.md:1:1 a lesson lives in <track>/<unit>/: move it to t/u/x.md']);
    expect(wrong).toEqual([
      `o/v/z.md:${lineOf(misfiled, 'id:')}:1 id "y" does not match the file name "z.md"`,
      `o/v/z.md:${lineOf(misfiled, 'track:')}:1 track "t" does not match the folder "o/"`,
      `o/v/z.md:${lineOf(misfiled, 'unit:')}:1 unit "u" does not match the folder "o/v/"`,
    ]);
  });

  it('asks for a lowercase .md and keeps the rest of the name as written', () => {
    const file = lesson('x', { key: 't/u/x.md-old.MD' });
    expect(checkLessonFile(file).problems.map((p) => p.message)).toContain('lesson files end in lowercase ".md": rename x.md-old.MD to x.md-old.md');
  });

  it('sorts one file\'s problems by line and column, whatever check found them first', () => {
    // Prepare: an unclosed fence (found first) below two raw HTML tags on one line
    const file = lesson('x', { body: 'Text <b>bold</b> and <i>it</i>.\n\n```ts\nconst open = true;' });

    // Act
    const problems = checkLessonFile(file).problems;

    // Assess
    const positions = problems.map((p) => [p.line, p.column]);
    expect(positions).toEqual([...positions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(new Set(positions.map(([line]) => line)).size).toBeGreaterThan(1);
    expect(positions.filter(([line]) => line === positions[0]![0]).length).toBeGreaterThan(1);
  });

  it('points at the item of a ledger problem, not at an earlier line of the same id', () => {
    // Prepare: the published item was an mcq; now its id names the ordering exercise further down
    const source = lessonSource({ id: 'l', track: 't', unit: 'u' });
    const ledger = nextLedger({}, parseLesson('l.md', source), '2026-01-01T00:00:00Z');
    const swapped = source.replace('id: l-mcq', 'id: tmp').replace('id: l-order', 'id: l-mcq');
    const lines = swapped.split('\n');

    // Act
    const problems = checkLessonIds({ key: 'l.md', body: swapped }, parseLesson('l.md', swapped), ledger);

    // Assess
    const kindChange = problems.find((p) => p.message.includes('a different kind of exercise'));
    expect(kindChange).toMatchObject({ file: 'l.md', line: lines.indexOf('id: l-mcq') + 1, column: 1 });
  });
});

describe('files that cannot be read', () => {
  it('accepts a file of exactly the size limit and reports one byte more at the line that crosses it', () => {
    // Prepare
    const head = lesson('x', { body: '' }).body;
    const filler = (bytes: number) => `${'w'.repeat(99)}\n`.repeat(Math.floor(bytes / 100)) + 'w'.repeat(bytes % 100);
    const exact = { key: 't/u/x.md', body: head + filler(limits.fileBytes - head.length) };
    const over = { key: 't/u/x.md', body: `${exact.body}w\nlast line\n` };

    // Act
    const atLimit = checkLessonFile(exact).problems.filter((p) => p.message.includes('over the limit'));
    const overLimit = checkLessonFile(over).problems;

    // Assess
    expect(new TextEncoder().encode(exact.body).length).toBe(limits.fileBytes);
    expect(atLimit).toEqual([]);
    expect(overLimit.map(formatProblem)).toEqual([`t/u/x.md:${exact.body.split('\n').length}:1 this file is 101 KiB, over the limit of 100 KiB per file (reached at this line): split it into smaller lessons`]);
  });

  it('points at the first byte that is not UTF-8, in lessons and in track or unit files', () => {
    const bad = lesson('x', { body: 'Caf\uFFFD au lait.' });
    const badTrack = { key: 't/track.yaml', body: 'title: Caf\uFFFD\norder: 1\n' };
    expect(checkLessonFile(bad).problems.map(formatProblem)).toEqual([`t/u/x.md:${lineOf(bad, 'Caf')}:4 this file is not UTF-8 text (a byte here is not valid UTF-8, e.g. Latin-1 "é"): save the file as UTF-8`]);
    expect(checkGroupMeta(badTrack).problems.map(formatProblem)).toEqual(['t/track.yaml:1:11 this file is not UTF-8 text (a byte here is not valid UTF-8, e.g. Latin-1 "é"): save the file as UTF-8']);
  });

  it('returns the parsed meta of a good track file', () => {
    expect(checkGroupMeta(track)).toEqual({ meta: { title: 'T', order: 1, description: 'D.' }, problems: [] });
  });
});

describe('how many problems one file reports', () => {
  const htmlLines = (n: number) => Array.from({ length: n }, (_, i) => `Line ${i} <br>`).join('\n\n');

  it('lists all of 50 problems', () => {
    const problems = checkLessonFile(lesson('x', { body: htmlLines(50) })).problems;
    expect(problems).toHaveLength(50);
    expect(problems.some((p) => p.message.includes('more problems'))).toBe(false);
  });

  it('cuts 60 problems to 49 and a last line saying how many more there are from there', () => {
    // Act
    const problems = checkLessonFile(lesson('x', { body: htmlLines(60) })).problems;

    // Assess
    expect(problems).toHaveLength(50);
    expect(problems[48]!.message).toMatch(/^raw HTML "<br>"/);
    expect(problems[49]!.message).toBe('11 more problems from here on: fix the ones above first');
    expect(problems[49]!.line).toBeGreaterThan(problems[48]!.line);
  });
});

describe('which of two files is blamed', () => {
  it('gives an id to the file changed least recently, then to the first path', () => {
    // Prepare
    const oldest = lesson('same', { key: 't/u/z.md', modified: 1 });
    const middle = lesson('same', { key: 't/u/a.md', modified: 5 });
    const tie = lesson('same', { key: 't/u/b.md', modified: 1 });

    // Act
    const context = treeContext([], parsed(middle, oldest, tie));

    // Assess
    expect(context.lessons.get('same')).toBe('t/u/b.md');
  });

  it('counts a file without a modification time as the oldest', () => {
    const context = treeContext([], parsed(lesson('same', { key: 't/u/z.md', modified: 3 }), lesson('same', { key: 't/u/y.md' })));
    expect(context.lessons.get('same')).toBe('t/u/y.md');
  });
});

describe('prerequisite cycles', () => {
  it('reports each lesson on a three-lesson cycle with the whole cycle, and no lesson merely behind it', () => {
    // Prepare: a → b → c → a; d needs a but is on no cycle; e needs itself and an unknown lesson
    const files = [
      withOrder('a', 1, { prerequisites: ['b'] }),
      withOrder('b', 2, { prerequisites: ['c'] }),
      withOrder('c', 3, { prerequisites: ['a'] }),
      withOrder('d', 4, { prerequisites: ['a'] }),
      withOrder('e', 5, { prerequisites: ['e', 'ghost'] }),
    ];
    const at = (file: ContentFile, id: string) => {
      const line = lineOf(file, 'prerequisites:');
      return `${line}:${file.body.split('\n')[line - 1]!.indexOf(id) + 1}`;
    };

    // Act
    const problems = prerequisiteCycles(parsed(...files));

    // Assess
    expect(problems.map(formatProblem).sort()).toEqual([
      `t/u/a.md:${at(files[0]!, 'b')} prerequisites go round in a circle (a → b → c → a): remove "b" here or the prerequisite that leads back`,
      `t/u/b.md:${at(files[1]!, 'c')} prerequisites go round in a circle (b → c → a → b): remove "c" here or the prerequisite that leads back`,
      `t/u/c.md:${at(files[2]!, 'a')} prerequisites go round in a circle (c → a → b → c): remove "a" here or the prerequisite that leads back`,
    ]);
  });

  it('names the shortest way back when a lesson sits on two cycles', () => {
    // Prepare: a → b → a and a → c → d → a; a lists c first
    const files = [
      withOrder('a', 1, { prerequisites: ['c', 'b'] }),
      withOrder('b', 2, { prerequisites: ['a'] }),
      withOrder('c', 3, { prerequisites: ['d'] }),
      withOrder('d', 4, { prerequisites: ['a'] }),
    ];

    // Act
    const problems = prerequisiteCycles(parsed(...files));

    // Assess
    const forA = problems.find((p) => p.file === 't/u/a.md');
    expect(forA?.message).toBe('prerequisites go round in a circle (a → b → a): remove "b" here or the prerequisite that leads back');
    expect(problems.map((p) => p.file).sort()).toEqual(['t/u/a.md', 't/u/b.md', 't/u/c.md', 't/u/d.md']);
  });

  it('finds no cycle in a chain or a diamond', () => {
    const files = [
      withOrder('a', 1),
      withOrder('b', 2, { prerequisites: ['a'] }),
      withOrder('c', 3, { prerequisites: ['a'] }),
      withOrder('d', 4, { prerequisites: ['b', 'c'] }),
    ];
    expect(prerequisiteCycles(parsed(...files))).toEqual([]);
  });
});

describe('a prerequisite cycle through one lesson at ingest', () => {
  const at = (file: ContentFile, id: string) => {
    const line = lineOf(file, 'prerequisites:');
    return `${line}:${file.body.split('\n')[line - 1]!.indexOf(id) + 1}`;
  };

  it('follows the published prerequisites back to the lesson by the shortest way, and words it as the check does', () => {
    // Prepare: a needs x, b and itself; published: x → y, b → c → a, and the longer c → d → a
    const file = withOrder('a', 1, { prerequisites: ['x', 'b', 'a'] });
    const published = new Map([
      ['x', ['y']],
      ['y', []],
      ['b', ['c', 'x']],
      ['c', ['d', 'a']],
      ['d', ['a']],
    ]);

    // Act
    const problem = prerequisiteCycleThrough(file, parseLesson(file.key, file.body), published);

    // Assess
    expect(problem && formatProblem(problem)).toBe(`t/u/a.md:${at(file, 'b')} prerequisites go round in a circle (a → b → c → a): remove "b" here or the prerequisite that leads back`);
  });

  it('finds none when nothing leads back, and leaves a lesson that only names itself to the self-reference check', () => {
    // Prepare: b and c need each other (a cycle, but not through a); the published a (an older
    // version) needed b, which needs a: the new version no longer names b, only itself
    const chain = withOrder('a', 1, { prerequisites: ['b'] });
    const selfOnly = withOrder('a', 1, { prerequisites: ['a'] });
    const elsewhere = new Map([
      ['b', ['c']],
      ['c', ['b']],
    ]);
    const olderVersion = new Map([
      ['a', ['b']],
      ['b', ['a']],
    ]);

    // Act
    const found = [prerequisiteCycleThrough(chain, parseLesson(chain.key, chain.body), elsewhere), prerequisiteCycleThrough(selfOnly, parseLesson(selfOnly.key, selfOnly.body), olderVersion)];

    // Assess
    expect(found).toEqual([undefined, undefined]);
  });
});

describe('rendered size', () => {
  it('accepts a page of exactly the limit and reports a larger one at its largest block, with its size in KiB', () => {
    // Prepare: the second block is the largest
    const file = lesson('x', { body: 'Short.\n\n:::metaphor\nA longer block of text than the first paragraph has.\n:::\n\nEnd.' });
    const parsedLesson = parseLesson(file.key, file.body);
    const largest = parsedLesson.blocks.reduce((a, b) => (JSON.stringify(b).length > JSON.stringify(a).length ? b : a));

    // Act
    const exact = checkRenderedLesson(file, parsedLesson, () => 'x'.repeat(limits.renderedBytes));
    const over = checkRenderedLesson(file, parsedLesson, () => 'x'.repeat(limits.renderedBytes + 5 * 1024 + 1));

    // Assess
    expect(exact.problems).toEqual([]);
    expect(exact.body).toHaveLength(limits.renderedBytes);
    expect(over.problems.map(formatProblem)).toEqual([`t/u/x.md:${largest.line}:1 this lesson renders to 306 KiB of HTML, over the limit of 300 KiB (the largest block starts here): split it into smaller lessons or shorten its code`]);
    expect(largest.line).toBeGreaterThan(parsedLesson.blocks[0]!.line);
  });

  it('reports a renderer error in the author\'s words', () => {
    const file = lesson('x');
    const { problems } = checkRenderedLesson(file, parseLesson(file.key, file.body), () => {
      throw new Error('unexpected token');
    });
    expect(problems.map(formatProblem)).toEqual(['t/u/x.md:1:1 this lesson could not be rendered (unexpected token): simplify its Markdown']);
  });

  it('renders every lesson without problems of its own, even when another file of the tree has some', () => {
    // Prepare
    const broken = lesson('broken', { body: 'A [link](/lessons/nowhere/).' });
    const big = withOrder('big', 2);

    // Act
    const { problems } = validateTree([track, unit, broken, big], { render: (l) => (l.meta.id === 'big' ? 'x'.repeat(limits.renderedBytes + 1) : '<p>ok</p>') });

    // Assess
    expect(problems.filter((p) => p.file === 't/u/big.md').map((p) => p.message)).toEqual([expect.stringMatching(/^this lesson renders to 301 KiB of HTML/)]);
    expect(problems.filter((p) => p.file === 't/u/broken.md').map((p) => p.message)).toEqual([expect.stringMatching(/^broken link: no lesson "nowhere"/)]);
  });
});

describe('tracks and units', () => {
  it('asks for the track file of a unit folder that has none, and only then', () => {
    const withoutTrack = validateTree([unit]).problems.map(formatProblem);
    const withTrack = validateTree([track, unit]).problems.map(formatProblem);
    expect(withoutTrack).toEqual(['t/u/unit.yaml:1:1 unit folder sits in a track without t/track.yaml: add one with title, order and description']);
    expect(withTrack).toEqual([]);
  });

  it('does not take another track\'s file for the unit\'s own', () => {
    const problems = validateTree([{ ...track, key: 'other/track.yaml' }, unit]).problems.map(formatProblem);
    expect(problems).toEqual(['t/u/unit.yaml:1:1 unit folder sits in a track without t/track.yaml: add one with title, order and description']);
  });
});
