import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify, type ToStringOptions } from 'yaml';
import { readContentTree } from '../../bin/local/content';
import { repoRoot } from '../../lib/paths';
import { frontMatterClose, parseYamlAt, splitLines, type LessonProblem } from '../../lambdas/domain/lesson';
import { limits } from '../../lambdas/domain/limits';
import { yamlMessage } from '../../lambdas/domain/messages';
import * as z from '../../lambdas/domain/zod';
import { positionsOf } from '../../lambdas/domain/positions';
import { readYaml } from '../../lambdas/domain/yaml-reader';

const read = (text: string) => readYaml(text, { maxAliases: limits.yamlAliases });
/** What the `yaml` package reads, the reference the reader must agree with. */
function reference(text: string): unknown {
  try {
    return parseDocument(text, { logLevel: 'error' }).toJS({ maxAliasCount: limits.yamlAliases });
  } catch (error) {
    return error;
  }
}
const codes = (text: string) => read(text).problems.map((p) => p.code);
/** The first problem as code and line:column. */
function firstProblem(text: string) {
  const [problem] = read(text).problems;
  if (!problem) return undefined;
  const { line, column } = positionsOf(text)(problem.offset);
  return `${problem.code} ${line}:${column}`;
}

/** Every YAML fragment of a content tree: front matter, exercise blocks, track.yaml and unit.yaml. */
function fragments(files: { key: string; body: string }[]) {
  const found: { name: string; text: string }[] = [];
  for (const file of files) {
    if (file.key.endsWith('.yaml')) found.push({ name: file.key, text: file.body });
    if (!file.key.endsWith('.md')) continue;
    const lines = splitLines(file.body);
    const close = frontMatterClose(lines);
    found.push({ name: `${file.key} front matter`, text: lines.slice(1, close).join('\n') });
    for (let i = close + 1; i < lines.length; i++) {
      const open = /^:::(mcq|ordering|recall)\s*$/.exec(lines[i]!);
      if (!open) continue;
      const end = lines.findIndex((line, j) => j > i && line.trim() === ':::');
      found.push({ name: `${file.key}:${i + 1} ${open[1]}`, text: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return found;
}

describe('YAML reader: agreement with the yaml package', () => {
  it('reads every YAML fragment of content/ to what yaml reads', async () => {
    // Prepare
    const all = fragments(await readContentTree(join(repoRoot, 'content')));

    // Act
    const results = all.map(({ name, text }) => ({ name, got: read(text), want: reference(text) }));

    // Assess: the sample curriculum has fronts, blocks and group files in the hundreds
    expect(all.length).toBeGreaterThan(150);
    for (const { name, got, want } of results) {
      expect(got.problems, name).toEqual([]);
      expect(got.value, name).toEqual(want);
    }
  });

  it('reads the scalar forms, collections and resolutions Rungs content may use as yaml does', () => {
    // Prepare
    const samples = [
      'plain: text with a#hash, \'quotes\' and "more" # a comment\nurl: https://example.com/a?b=c#d\ntime: 12:30',
      'folded plain: first line\n  second line\n\n  after an empty line\nnext: 1',
      "single: 'it''s # not a comment'\ndouble: \"tab\\there \\u00e9 \\x41 \\\\ \\\" \\/\"",
      'double folded: "one\n  two\n\n  three \\\n  four"\nsingle folded: \'a\n  b\'',
      'literal: |\n  line one\n    indented\n\n  line three\nkeep: |+\n  kept\n\nstrip: |-\n  stripped\n\nnext: 1',
      'folded: >\n  one\n  two\n\n  three\n    more indented\n  four\nfolded strip: >-\n  x\n  y\nindicator: |2\n   leading space\n',
      'nulls: [~, null, Null, NULL, ]\nempty:\nbools: [true, True, TRUE, false, False, FALSE, yes, no, on]',
      'ints: [0, -12, +7, 0o17, 0x1F, 0xff, 007, 1_000]\nfloats: [1.5, -0.25, 1e3, 2.5E-2, .5, 5., .inf, -.inf, +.inf, .nan, .NaN]',
      'keys:\n  1: one\n  true: yes\n  null: nothing\n  \'~\': tilde\n  0x10: hex\n  "quoted": q\n  \'single\': s',
      'list:\n- at the key\'s indentation\n- second\nnested:\n  - - a\n    - b\n  - key: v\n    other: w\n  -\n    below: x\n  - \n  - last',
      'flow: {a: 1, "b": [x, y, {c: d}], e, f: }\nacross lines: [\n  one, two,\n  three\n]\npairs: [a: 1, b]\njson: {"k":"v","n":[1,2]}',
      'anchors:\n  base: &base {x: 1}\n  copy: *base\n  list: &l [1, 2]\n  again: *l\n  scalar: &s text\n  use: [*s, *s]',
      '# leading comment\n\na: 1 # trailing\n# between\nb:   # empty with comment\n  - x # item comment\n',
      '__proto__: own\nconstructor: c\ntoString: t\n<<: not a merge',
      '- top\n- level\n- list',
      '"a top-level scalar"',
      '',
      '# only a comment',
    ];

    // Act + Assess
    for (const text of samples) {
      expect(read(text).problems, text).toEqual([]);
      expect(read(text).value, text).toEqual(reference(text));
    }
  });
});

/** Strings that are hard to write as YAML: indicators, comments, quotes, number and bool look-alikes, lines. */
const awkward = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', 'a: b', 'a #b', '#x', "it's", '"q"', '- x', '-', '[x]', '{y}', '*a', '&b', '!t', '%d', '@u', '`c', '? k', ': v',
    'null', '~', 'true', 'False', '1', '-0', '0o7', '0x1f', '1e3', '.inf', '.nan', '1.50', '12:30', 'x\ny', 'x\n\ny\n', ' lead', 'trail ', '\ttab',
    'é ü 漢字 🙂', '\u2028', '\x07bell', '---', '...', 'a\\b', 'line one\n  indented\nline three', 'ends\n\n\n'),
  fc.array(fc.constantFrom('a', ' ', '\n', ':', '#', "'", '"', '-', '[', '{', '*', '&', '!', '%', '@', '`', '1', '.', 'é', '\t', '\\'), { maxLength: 30 }).map((chars) => chars.join('')),
);
const key = awkward.filter((text) => !/[\n\r\u0085\u2028\u2029]/.test(text) && text.length < 100);
const scalar = fc.oneof({ weight: 6, arbitrary: awkward }, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const { value: yamlValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'yaml' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));
const plainDocument = fc.dictionary(key, yamlValue, { minKeys: 1, maxKeys: 5, noNullPrototype: true });
/** A document holding one list or map three times: yaml writes it once with an anchor, then aliases. */
const sharedDocument = fc
  .tuple(plainDocument, fc.oneof(fc.array(yamlValue, { minLength: 1, maxLength: 3 }), fc.dictionary(key, yamlValue, { minKeys: 1, maxKeys: 3, noNullPrototype: true })))
  .map(([doc, shared]) => ({ ...doc, shared, uses: [shared, { again: shared }] }));
const document = fc.oneof(plainDocument, sharedDocument);

const styles: [string, ToStringOptions][] = [
  ['default options', {}],
  ['lines folded at 20 columns', { lineWidth: 20, minContentWidth: 0 }],
  ['flow collections', { collectionStyle: 'flow' }],
  ['flow collections folded at 20 columns', { collectionStyle: 'flow', lineWidth: 20, minContentWidth: 0 }],
  ['literal block scalars', { blockQuote: 'literal', defaultStringType: 'BLOCK_LITERAL' }],
  ['folded block scalars', { blockQuote: 'folded', defaultStringType: 'BLOCK_FOLDED', lineWidth: 20, minContentWidth: 0 }],
  ['double quotes folded', { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 20, minContentWidth: 0 }],
  ['single quotes folded', { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN', lineWidth: 20, minContentWidth: 0 }],
  ['indented by 4, lists indented', { indent: 4, indentSeq: false }],
];

describe('YAML reader: round trip of what yaml writes', () => {
  it.each(styles)('reads back any value yaml stringifies with %s', (_name, options) => {
    fc.assert(
      fc.property(document, (value) => {
        // Prepare: only texts that yaml itself reads back (its writer has a few bugs of its own, e.g. " " as a literal block)
        const text = stringify(value, options);
        fc.pre(isDeepStrictEqual(reference(text), value));

        // Act
        const got = read(text);

        // Assess
        expect(got.problems, text).toEqual([]);
        expect(got.value, text).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('YAML reader: random token soups', () => {
  // Pieces of YAML syntax glued at random: mostly broken texts, sometimes valid ones yaml reads.
  const tokens = ['a', 'b', ' ', '  ', '\n', '\n  ', '\n    ', '\n- ', '\n  - ', ': ', ':', '- ', '-', '#', ' #c', '"', "'", '\\"', "''", '\\x41', '[', ']', '{', '}', ',',
    '|', '>', '|-', '>+', '1', '0x1', '.5', 'true', '~', '\t', '\\', '\r\n', '&x ', '*x', 'é', '?', '!', '%', '@', 'k: v\n', '"a b"', "'a b'"];
  const soup = fc.array(fc.constantFrom(...tokens), { maxLength: 25 }).map((parts) => parts.join(''));

  it('never throws, refuses whatever yaml refuses, and reads what yaml reads whenever both read a value', () => {
    fc.assert(
      fc.property(soup, (text) => {
        // Act
        const got = read(text);

        // Assess: problems or a value, never both, never an internal failure
        expect(got.problems.some((p) => p.code === 'IMPOSSIBLE'), text).toBe(false);
        if (got.problems.length > 0) return;
        const doc = parseDocument(text, { logLevel: 'silent' });
        const want = reference(text);
        // Known gaps, not deliberate and still to fix: the reader accepts some texts yaml refuses when a line
        // after a break starts with a tab, or when quotes or brackets run over lines; and where a line's
        // indentation ends in a tab (`"- |\n  \t"`), yaml reads the tab as text and the reader as indentation.
        // A top-level block scalar (never Rungs content, whose top level is a map) with an indentation
        // indicator and a last line of spaces reads differently too. Everything else is checked.
        const tabInIndentation = /[\r\n] *\t/.test(text) || /^[ \t\r\n]*[|>]/.test(text);
        const knownGap = tabInIndentation || (/[\r\n]/.test(text) && /["'[{]/.test(text));
        if (!knownGap) expect(doc.errors.map((e) => e.code), text).toEqual([]);
        // (Valid multi-line quotes and brackets are compared by the round trips of yaml's writer above.)
        if (doc.warnings.length === 0 && !(want instanceof Error) && !knownGap) expect(got.value, text).toEqual(want);
      }),
      { numRuns: Number(process.env.YAML_SOUP_RUNS ?? 3000) },
    );
  });
});

describe('YAML reader: mistakes', () => {
  it.each([
    ['a tab in indentation', 'a:\n\tb: 1', 'TAB_AS_INDENT 2:1'],
    ['a key deeper than its siblings', 'a:\n  b: [1]\n    c: 2', 'BAD_INDENT 3:1'],
    ['a key between two indentations', 'a:\n    b: 1\n  c: 2', 'BAD_INDENT 3:1'],
    ['a list entry among keys', 'a: 1\n- b', 'BAD_INDENT 2:1'],
    ['a map on the line of a key', 'a: b: c', 'BLOCK_AS_IMPLICIT_KEY 1:4'],
    ['a value continued by a key', 'a: b\n  c: d', 'BLOCK_AS_IMPLICIT_KEY 1:4'],
    ['a list on the line of a key', 'a: - b', 'UNEXPECTED_TOKEN 1:4'],
    ['a key over two lines', 'a: 1\nb\n c: 2', 'MULTILINE_IMPLICIT_KEY 2:1'],
    ['a line with no colon', 'a: 1\nb', 'MISSING_CHAR 2:1'],
    ['an unclosed double quote', 'id: q\nprompt: "open\nchoices: []', 'MISSING_CHAR 2:9'],
    ['an unclosed single quote', "a: 'open", 'MISSING_CHAR 1:4'],
    ['a quoted value continued at the key indentation', 'a: "x\nb"', 'MISSING_CHAR 1:4'],
    ['an unclosed bracket', 'a: [1, 2', 'MISSING_CHAR 1:4'],
    ['an unclosed brace over lines', 'a: {b: 1,\n  c: 2', 'MISSING_CHAR 1:4'],
    ['a flow line at the key indentation', 'a: [1,\n2]', 'BAD_INDENT 2:1'],
    ['a repeated key', 'a: 1\nb: 2\na: 3', 'DUPLICATE_KEY 3:1'],
    ['a repeated key in braces', 'a: {x: 1, x: 2}', 'DUPLICATE_KEY 1:11'],
    ['keys that read as the same value', 'true: 1\nTrue: 2', 'DUPLICATE_KEY 2:1'],
    ['a value starting with @', 'a: @home', 'BAD_SCALAR_START 1:4'],
    ['a value starting with a backtick', 'a: `code`', 'BAD_SCALAR_START 1:4'],
    ['text after a quoted value', 'a: "b" c', 'UNEXPECTED_TOKEN 1:8'],
    ['text after brackets', 'a: [1] x', 'UNEXPECTED_TOKEN 1:8'],
    ['an empty entry in brackets', 'a: [1, , 2]', 'UNEXPECTED_TOKEN 1:8'],
    ['a closing bracket alone', 'a: ]', 'UNEXPECTED_TOKEN 1:4'],
    ['an alias without a name', 'a: *', 'BAD_ALIAS 1:4'],
    ['an unknown escape', 'a: "\\q"', 'BAD_DQ_ESCAPE 1:5'],
    ['a block scalar header with text', 'a: |x\n  y', 'UNEXPECTED_TOKEN 1:4'],
    ['a deeper empty line before a block scalar text', 'a: |\n     \n  x', 'BAD_INDENT 3:1'],
  ])('reports %s with its code and place', (_name, text, expected) => {
    // Act + Assess
    expect(firstProblem(text)).toBe(expected);
  });

  it('points the alias problems at the alias: the first one to no anchor, else the first alias of a bomb', () => {
    // Prepare
    const undefinedAlias = 'a: &x 1\nb: [*x, *y, *z]';
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd'].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abc'[i]}`).join(', ')}]`)].join('\n');

    // Act
    const [missing] = read(undefinedAlias).problems;
    const [exhausted] = read(bomb).problems;

    // Assess
    expect(missing).toEqual({ code: 'MISSING_ANCHOR', offset: undefinedAlias.indexOf('*y'), alias: 'y' });
    expect(exhausted).toEqual({ code: 'RESOURCE_EXHAUSTION', offset: bomb.indexOf('*a'), alias: 'a' });
  });

  it('allows exactly the alias limit: 100 expansions read, 101 are refused', () => {
    // Prepare
    const uses = (n: number) => `a: &a x\nb: [${Array(n).fill('*a').join(', ')}]`;

    // Act + Assess
    expect(read(uses(limits.yamlAliases)).problems).toEqual([]);
    expect(codes(uses(limits.yamlAliases + 1))).toEqual(['RESOURCE_EXHAUSTION']);
  });

  it('counts the aliases inside an anchored value each time it is copied', () => {
    // Prepare: 10 copies of a list holding 10 aliases = 10 + 100 expansions
    const nested = `a: &a x\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: [${Array(9).fill('*b').join(', ')}]`;

    // Act + Assess
    expect(codes(nested)).toEqual(['RESOURCE_EXHAUSTION']);
  });
});

describe('YAML reader: refused features', () => {
  const firstLine = 5;
  function problemsAt(text: string) {
    const problems: LessonProblem[] = [];
    parseYamlAt(text, firstLine, z.unknown(), problems);
    return problems.map(({ line, column, message }) => `${line}:${column} ${message}`);
  }

  it.each([
    ['a local tag', 'a: 1\nb: !thing x', 'TAG', 2, 4],
    ['a core tag', 'a: !!str 1', 'TAG', 1, 4],
    ['a tag on a list entry', 'a:\n  - !x b', 'TAG', 2, 5],
    ['a directive', '%YAML 1.2\na: 1', 'DIRECTIVE', 1, 1],
    ['a document start inside', 'a: 1\n---\nb: 2', 'DOCUMENT_MARKER', 2, 1],
    ['a document end inside', 'a: 1\n...', 'DOCUMENT_MARKER', 2, 1],
    ['a second document', 'a: 1\n--- b: 2', 'DOCUMENT_MARKER', 2, 1],
    ['an explicit key', 'a: 1\n? b\n: 2', 'COMPLEX_KEY', 2, 1],
    ['a list as a key', '[a, b]: 1', 'COMPLEX_KEY', 1, 1],
    ['a map as a key in braces', 'a: {[x]: 1}', 'COMPLEX_KEY', 1, 5],
    ['an alias as a key', 'a: &k x\n*k : 1', 'COMPLEX_KEY', 2, 1],
    ['an anchored key', '&k a: 1', 'COMPLEX_KEY', 1, 4],
  ])('refuses %s with advice at its line and column', (_name, text, code, line, column) => {
    // Act
    const problems = problemsAt(text);

    // Assess
    expect(problems).toEqual([`${firstLine + line - 1}:${column} ${yamlMessage(code)}`]);
    expect(yamlMessage(code)).not.toBe(yamlMessage('NO_SUCH_CODE'));
  });
});

describe('YAML reader: hostile inputs', () => {
  it.each([
    ['flow lists', `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['flow maps', `a: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`],
    ['compact block lists', `${'- '.repeat(20_000)}x`],
    ['indented block maps', Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ])('refuses %s nested 20,000 deep (or as deep as fits) as too deep, without a stack overflow', (_name, text) => {
    // Act + Assess
    expect(codes(text)).toEqual(['RESOURCE_EXHAUSTION']);
  });

  it('reads nesting up to the depth limit', () => {
    // Prepare
    const deep = `a: ${'['.repeat(60)}${']'.repeat(60)}`;

    // Act + Assess
    expect(read(deep).problems).toEqual([]);
  });

  it('stops a billion-laughs alias bomb and an alias to its own anchor', () => {
    // Prepare
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);

    // Act + Assess
    expect(codes(levels.join('\n'))).toEqual(['RESOURCE_EXHAUSTION']);
    expect(codes('a: &a [x, *a]')).toEqual(['RESOURCE_EXHAUSTION']);
  });

  it.each([
    ['a double quote', 'a: "never closed \\" at all'],
    ['a single quote', "a: 'never closed '' at all"],
    ['a bracket', 'a: [one, [two, three]'],
    ['a brace', 'a: {b: [1, 2], c: {d: 3}'],
  ])('reports an unclosed %s where it opens', (_name, text) => {
    // Act + Assess
    expect(read(text).problems).toEqual([{ code: 'MISSING_CHAR', offset: 'a: '.length }]);
  });

  it('keeps __proto__ an own data property and never touches a prototype', () => {
    // Prepare
    const texts = ['__proto__:\n  polluted: true', '{__proto__: {polluted: true}}', '[__proto__: {polluted: true}]', 'a: &p {polluted: true}\n__proto__: *p'];

    // Act
    const values = texts.map((text) => read(text).value);

    // Assess
    for (const value of values) {
      const map = (Array.isArray(value) ? value[0] : value) as Record<string, unknown>;
      expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(map, '__proto__')?.value).toEqual({ polluted: true });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('reads a 1 MB fragment of every size-prone kind (a reader that rescans lines would not finish)', () => {
    // Prepare: many keys, one long line of flow items, one long folded plain scalar, one long block scalar
    const keys = Array.from({ length: 40_000 }, (_, i) => `key${i}: value number ${i}`).join('\n');
    const flow = `items: [${Array.from({ length: 150_000 }, (_, i) => `i${i}`).join(', ')}]`;
    const plain = `text: ${Array.from({ length: 100_000 }, () => 'word word').join('\n  ')}`;
    const block = `text: |\n${Array.from({ length: 100_000 }, () => '  line of text').join('\n')}`;

    // Act
    const results = [keys, flow, plain, block].map((text) => ({ size: text.length, got: read(text) }));

    // Assess
    for (const { size, got } of results) {
      expect(size).toBeGreaterThan(1_000_000);
      expect(got.problems).toEqual([]);
    }
    expect(Object.keys(results[0]!.got.value as object)).toHaveLength(40_000);
    expect((results[1]!.got.value as { items: string[] }).items).toHaveLength(150_000);
    expect((results[2]!.got.value as { text: string }).text).toHaveLength(100_000 * 10 - 1);
    expect((results[3]!.got.value as { text: string }).text).toHaveLength(100_000 * 13);
  });

  it('reads control characters as text', () => {
    // Prepare
    const text = 'a: x\x00y\x07z\x1b\nb: "\x01\\x02"\nc: [\x7f]';

    // Act + Assess
    expect(read(text)).toMatchObject({ problems: [], value: { a: 'x\x00y\x07z\x1b', b: '\x01\x02', c: ['\x7f'] } });
  });

  it('reads CRLF and CR line endings and a byte-order mark as it reads LF', () => {
    // Prepare
    const lf = 'a: 1\nb:\n  - "x\n    y"\n  - |\n    z\nc: >-\n  p\n  q\n';

    // Act
    const crlf = read(`\uFEFF${lf.replace(/\n/g, '\r\n')}`);
    const cr = read(lf.replace(/\n/g, '\r'));

    // Assess
    expect(crlf).toMatchObject({ problems: [], value: read(lf).value });
    expect(cr).toMatchObject({ problems: [], value: read(lf).value });
  });

  it('places a problem in CRLF text on its line', () => {
    // Prepare
    const text = 'a: 1\r\nb: 2\r\n\tc: 3';

    // Act + Assess
    expect(firstProblem(text)).toBe('TAB_AS_INDENT 3:1');
  });
});

describe('YAML reader: positions', () => {
  const text = ['id: q', 'choices:', '  - id: a', '    text: A', '  - {id: b, text: B}', 'tags: [x, y]', 'copy: &c {k: v}', 'again: *c', 'empty:'].join('\n');
  const got = read(text);
  const place = (offset: number | undefined) => (offset === undefined ? undefined : `${positionsOf(text)(offset).line}:${positionsOf(text)(offset).column}`);

  it.each([
    [['choices'], '3:3', true],
    [['choices', 0], '3:5', true],
    [['choices', 0, 'text'], '4:11', false],
    [['choices', 1], '5:5', true],
    [['choices', 1, 'text'], '5:19', false],
    [['tags', 1], '6:11', false],
    [['again'], '8:8', false],
    [['empty'], '9:7', false],
  ] as const)('finds the node at %j', (path, expected, collection) => {
    // Act + Assess
    expect(got.nodeAt(path)).toEqual({ offset: expect.any(Number), collection });
    expect(place(got.nodeAt(path)?.offset)).toBe(expected);
  });

  it.each([
    [['choices'], '2:1'],
    [['choices', 0, 'text'], '4:5'],
    [['choices', 1, 'text'], '5:13'],
    [['copy', 'k'], '7:11'],
  ] as const)('finds the key of %j', (path, expected) => {
    // Act + Assess
    expect(place(got.keyAt(path))).toBe(expected);
  });

  it('finds nothing through an alias, past the end of a list or under a missing key', () => {
    // Act + Assess
    expect(got.nodeAt(['again', 'k'])).toBeUndefined();
    expect(got.keyAt(['again', 'k'])).toBeUndefined();
    expect(got.nodeAt(['choices', 2])).toBeUndefined();
    expect(got.nodeAt(['nothing', 'here'])).toBeUndefined();
    expect(got.keyAt(['choices', 0])).toBeUndefined();
  });
});

describe('YAML reader: review findings', () => {
  /** Problems as parseYamlAt reports them for a fragment starting on line 1, with the schema given. */
  function messagesOf(text: string, schema: z.ZodMiniType<unknown> = z.unknown()) {
    const problems: LessonProblem[] = [];
    parseYamlAt(text, 1, schema, problems);
    return problems.map(({ line, column, message }) => `${line}:${column} ${message}`);
  }

  it.each([
    ['a map value', 'base: &base\n  x: 1\ncopy: *base'],
    ['a list entry', '- &item\n  id: a\n- *item'],
    ['a nested list', 'a: &x\n  - 1\nb: *x'],
  ])('reads an anchor on its own line above %s as yaml does', (_name, text) => {
    // Act
    const got = read(text);

    // Assess
    expect(got.problems).toEqual([]);
    expect(got.value).toEqual(reference(text));
  });

  it.each([
    ['a map after "-" and a tab', '-\tid: a\n  text: A', 'TAB_AS_INDENT 1:2'],
    ['a list after "-" and a tab', '-\t- a', 'TAB_AS_INDENT 1:2'],
    ['a map after "- " and a tab', '- \ta: 1', 'TAB_AS_INDENT 1:3'],
    ['an anchor after "- " and a tab', '- \t&x a', 'TAB_AS_INDENT 1:3'],
    ['a list entry in brackets', 'a: [- x]', 'BLOCK_IN_FLOW 1:5'],
    ['a lone dash in brackets', 'a: [-]', 'BLOCK_IN_FLOW 1:5'],
    ['a list entry as a value in braces', 'a: {b: - x}', 'BLOCK_IN_FLOW 1:8'],
    ['a list entry as a key in braces', 'a: {- b: 1}', 'BLOCK_IN_FLOW 1:5'],
    ['a number key and its text', '1: a\n"1": b', 'DUPLICATE_KEY 2:1'],
    ['a null key and an empty text', 'null: a\n"": b', 'DUPLICATE_KEY 2:1'],
    ['a boolean key and its text', 'true: a\n"true": b', 'DUPLICATE_KEY 2:1'],
    ['two not-a-number keys', '.nan: a\n.nan: b', 'DUPLICATE_KEY 2:1'],
    ['a float key and its text in braces', '{1.5: a, "1.5": b}', 'DUPLICATE_KEY 1:10'],
    ['no space after a later key', 'id: a\ntitle:T', 'MISSING_SPACE 2:6'],
    ['no space after the first key', 'id:a\ntitle: T', 'MISSING_SPACE 1:3'],
    ['no space after a list entry key', '- id:a\n  text: b', 'MISSING_SPACE 1:5'],
    ['an unclosed quote above more fields', 'id: a\nsummary: S\ntitle: "T\nmore: x', 'MISSING_CHAR 3:8'],
    ['an unclosed bracket above the next key', 'concepts: [x, y\nsummary: S', 'MISSING_CHAR 1:11'],
    ['an unclosed brace above a list entry', 'a:\n  - {b: 1\n  - c', 'MISSING_CHAR 2:5'],
  ])('refuses %s with its code and place', (_name, text, expected) => {
    // Act + Assess
    expect(firstProblem(text)).toBe(expected);
  });

  it('still reads a tab after "- " before a scalar, and a flow line back at the key indentation stays BAD_INDENT', () => {
    // Act + Assess
    expect(read('- \tx')).toMatchObject({ problems: [], value: ['x'] });
    expect(firstProblem('a: [1,\n2]')).toBe('BAD_INDENT 2:1');
  });

  it('gives a dash in brackets and a missing space their own advice', () => {
    // Act
    const dash = messagesOf('a: [- x]');
    const space = messagesOf('id: a\ntitle:T');

    // Assess
    expect(dash).toEqual(['1:5 YAML: a "- " list entry cannot sit inside [ ] or { }: write the list as lines starting with "- ", or put the text in quotes']);
    expect(space).toEqual(['2:6 YAML: write a space after ":" (name: value)']);
  });

  it('prints an unknown key JSON-escaped and cut to 40 characters, so it cannot forge a line', () => {
    // Prepare
    const forged = '"bad\\nf.md:9:9 forged": 1';
    const long = `${'k'.repeat(300)}: 1`;

    // Act
    const [forgedMessage] = messagesOf(forged, z.strictObject({}));
    const [longMessage] = messagesOf(long, z.strictObject({}));

    // Assess
    expect(forgedMessage).toBe('1:1 unknown field "bad\\nf.md:9:9 forged": remove it or check its spelling (see docs/authoring.md)');
    expect(forgedMessage).not.toMatch(/[\n\r]/);
    expect(longMessage).toBe(`1:1 unknown field "${'k'.repeat(40)}…": remove it or check its spelling (see docs/authoring.md)`);
  });

  it('quotes author text in values, nested field names and alias names the same way', () => {
    // Prepare
    const value = 'id: "x\\ny"';
    const nested = 'a:\n  "k\\nl": 1';
    const alias = `a: *${'n'.repeat(100)}\u2028`;

    // Act
    const [valueMessage] = messagesOf(value, z.strictObject({ id: z.number() }));
    const [nestedMessage] = messagesOf(nested, z.strictObject({ a: z.strictObject({}) }));
    const [aliasMessage] = messagesOf(alias);

    // Assess
    expect(valueMessage).toBe('1:5 id should be a number, not the text "x\\ny": write an id of lowercase words joined by hyphens, e.g. "token-audience"');
    expect(nestedMessage).toBe('2:3 unknown field "k\\nl" in a: remove it or check its spelling (see docs/authoring.md)');
    expect(aliasMessage).toContain(`"*${'n'.repeat(39)}…"`);
    for (const message of [valueMessage, nestedMessage, aliasMessage]) expect(message).not.toMatch(/[\n\r\u2028\u2029]/);
  });

  const nestings: [string, (levels: number) => string][] = [
    ['flow lists', (n) => `${'['.repeat(n)}${']'.repeat(n)}`],
    ['flow maps', (n) => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`],
    ['block lists', (n) => `${'- '.repeat(n)}x`],
    ['block maps', (n) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:${i === n - 1 ? ' x' : ''}`).join('\n')],
    ['flow lists under a key', (n) => `a: ${'['.repeat(n - 1)}${']'.repeat(n - 1)}`],
  ];
  it.each(nestings)('reads %s 64 deep and refuses them 65 deep, as the docs say', (_name, nest) => {
    // Act
    const at64 = read(nest(64));
    const at65 = read(nest(65));

    // Assess
    expect(at64.problems).toEqual([]);
    expect(at65.problems.map((p) => p.code)).toEqual(['RESOURCE_EXHAUSTION']);
  });

  it('words the nesting problem for any YAML block, not only exercises', () => {
    // Act
    const message = yamlMessage('RESOURCE_EXHAUSTION');

    // Assess
    expect(message).toContain('64');
    expect(message).not.toMatch(/exercise/);
  });

  it('counts no column for a byte-order mark', () => {
    // Prepare
    const text = '\uFEFFxx: 1\nid: a';

    // Act
    const messages = messagesOf(text, z.strictObject({ id: z.string() }));

    // Assess
    expect(positionsOf(text)(1)).toEqual({ line: 1, column: 1 });
    expect(positionsOf(text)(4)).toEqual({ line: 1, column: 4 });
    expect(messages).toEqual(['1:1 unknown field "xx": remove it or check its spelling (see docs/authoring.md)']);
  });

  it('treats only \\r and \\n as line ends when looking for a document marker', () => {
    // Prepare
    const texts = ['a: x\u2028--- y', 'a: x\u2029... y'];

    // Act + Assess
    for (const text of texts) {
      expect(read(text).problems, text).toEqual([]);
      expect(read(text).value, text).toEqual(reference(text));
    }
  });

  it('refuses aliases that copy more characters than a lesson may hold, with the alias advice', () => {
    // Prepare: a 40 KB anchored value copied twice fits in 100 KiB, copied three times it does not
    const big = 'x'.repeat(40_000);
    const copies = (n: number) => `a: &a ${big}\nb: [${Array(n).fill('*a').join(', ')}]`;

    // Act
    const two = readYaml(copies(2), { maxAliases: limits.yamlAliases, maxAliasChars: limits.fileBytes });
    const three = readYaml(copies(3), { maxAliases: limits.yamlAliases, maxAliasChars: limits.fileBytes });
    const messages = messagesOf(copies(3));

    // Assess
    expect(two.problems).toEqual([]);
    expect(three.problems).toEqual([{ code: 'RESOURCE_EXHAUSTION', offset: copies(3).indexOf('*a'), alias: 'a', size: true }]);
    expect(messages).toEqual([`2:5 YAML aliases ("*name") expand to more than ${limits.fileBytes / 1024} KiB of copied text: write the values out instead of using anchors and aliases`]);
  });

  it('counts characters copied through nested aliases', () => {
    // Prepare: 3,000 characters copied 5 times into b, b copied 9 times: 15,000 + 9 × 15,000 characters by 59 expansions
    const text = `a: &a ${'y'.repeat(3000)}\nb: &b [${Array(5).fill('*a').join(', ')}]\nc: [${Array(9).fill('*b').join(', ')}]`;

    // Act + Assess
    expect(read(text).problems).toEqual([{ code: 'RESOURCE_EXHAUSTION', offset: text.indexOf('*a'), alias: 'a', size: true }]);
  });
});

describe('YAML reader: second review findings', () => {
  it('stays linear on a long line after a bracket left open (the block-line check once backtracked over every space)', () => {
    // Prepare: 400,000 spaces; the quadratic check took 13 s for 100 KiB, this test would time out
    const text = `a: [1,\nx${' '.repeat(400_000)}`;

    // Act
    const got = read(text);

    // Assess
    expect(got.problems.map((p) => p.code)).toEqual(['BAD_INDENT']);
  });

  it.each([
    ['a second colon in a list entry', 'x: [a: b: ]', 'FLOW_PAIR_COLON 1:9'],
    ['a second colon in braces', 'x: {a: b: }', 'FLOW_PAIR_COLON 1:9'],
    ['a second colon without a space before the bracket closes', 'x: [a: b:]', 'FLOW_PAIR_COLON 1:9'],
    ['a missing comma between entries over two lines', 'choices: [id: a\n  text: ]', 'FLOW_PAIR_COLON 2:7'],
  ])('refuses %s instead of dropping the rest of the entry', (_name, text, expected) => {
    // Act + Assess: yaml refuses these too (BLOCK_IN_FLOW); a value read from them would be a guess
    expect(firstProblem(text)).toBe(expected);
    expect(parseDocument(text).errors.length).toBeGreaterThan(0);
  });

  it('keeps a colon inside a quoted or plain value in brackets', () => {
    // Act + Assess
    expect(read('x: [a: "b: c", d: e:f]').value).toEqual({ x: [{ a: 'b: c' }, { d: 'e:f' }] });
  });

  it.each([
    ['a double-quoted first key', '"title":T', 'MISSING_SPACE 1:8'],
    ['a single-quoted first key', "'a':1", 'MISSING_SPACE 1:4'],
    ['a quoted key on a later line', 'id: a\n"title":T', 'MISSING_SPACE 2:8'],
  ])('says a space is missing after the colon of %s', (_name, text, expected) => {
    // Act + Assess
    expect(firstProblem(text)).toBe(expected);
  });

  it('counts empty structure copied by aliases against the size budget', () => {
    // Prepare: 20,000 empty lists, copied 9 × 9 times: a 60 KB text that expanded to 5 MB
    const text = `a: &a [${'[], '.repeat(20_000)}[]]\nb: &b [${'*a, '.repeat(8)}*a]\nc: [${'*b, '.repeat(8)}*b]`;

    // Act
    const got = readYaml(text, { maxAliases: limits.yamlAliases, maxAliasChars: limits.fileBytes });

    // Assess
    expect(got.problems.map((p) => p.code)).toEqual(['RESOURCE_EXHAUSTION']);
  });

  it('escapes direction controls in author text quoted by a message, so a line cannot be reordered on screen', () => {
    // Prepare
    const problems: LessonProblem[] = [];

    // Act
    parseYamlAt('id: q\n"\u202Eevil": 1', 1, z.strictObject({ id: z.string() }), problems);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('\\u202e');
    expect(problems[0]!.message).not.toContain('\u202E');
  });
});
