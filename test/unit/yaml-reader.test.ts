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
import { positionsOf, readYaml } from '../../lambdas/domain/yaml-reader';

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
const document = fc.dictionary(key, yamlValue, { minKeys: 1, maxKeys: 5, noNullPrototype: true });

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
