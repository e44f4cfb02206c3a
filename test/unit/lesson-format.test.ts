import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LessonFormatError, parseLesson, readingMinutes } from '../../lambdas/domain/lesson';
import { renderLessonBody, shuffleSteps } from '../../lambdas/render';
import { fromRoot } from '../../lib/paths';

const sample = readFileSync(fromRoot('content/security/oauth/authorization-code-pkce.md'), 'utf8');

const lesson = (frontMatter: string, body: string) => `---\n${frontMatter}\n---\n${body}`;
const validFrontMatter = [
  'id: retries',
  'title: Retries',
  'track: apis',
  'unit: idempotency',
  'order: 1',
  'level: junior',
  'concepts: [retries]',
  'summary: Why retries need idempotency.',
].join('\n');

function problemsOf(text: string) {
  try {
    parseLesson('x.md', text);
  } catch (error) {
    if (error instanceof LessonFormatError) return error.problems;
    throw error;
  }
  throw new Error('expected the lesson to be rejected');
}

describe('lesson format', () => {
  it('parses the sample lesson into prose, callouts, every exercise type and a summary', () => {
    // Act
    const parsed = parseLesson('sample.md', sample);

    // Assess
    expect(parsed.meta.id).toBe('authorization-code-pkce');
    expect(parsed.meta.level).toBe('junior');
    expect(new Set(parsed.blocks.map((b) => b.kind))).toEqual(new Set(['markdown', 'callout', 'mcq', 'ordering', 'recall', 'summary']));
    expect(readingMinutes(parsed)).toBeGreaterThanOrEqual(2);
  });

  it('reports a front matter problem at the line of the offending key', () => {
    // Prepare
    const text = lesson(validFrontMatter.replace('level: junior', 'level: expert'), 'Body');

    // Act
    const problems = problemsOf(text);

    // Assess: "level" is the 7th line of the file (after the opening ---)
    expect(problems).toEqual([expect.objectContaining({ line: 7, message: expect.stringContaining('level') })]);
  });

  it('rejects a multiple-choice block without a correct choice, pointing into the block', () => {
    // Prepare
    const body = ['Intro.', '', ':::mcq', 'id: q', 'prompt: Which?', 'choices:', '  - id: a', '    text: A', '    explanation: no', '  - id: b', '    text: B', '    explanation: no', ':::'].join('\n');

    // Act
    const problems = problemsOf(lesson(validFrontMatter, body));

    // Assess: the block's YAML starts on line 14 of the file
    expect(problems).toEqual([expect.objectContaining({ line: 14, message: 'no choice is marked correct: add "correct: true" to each right choice' })]);
  });

  it('reports every problem at once, including an unclosed block', () => {
    // Prepare
    const text = lesson(validFrontMatter.replace('order: 1', 'order: first'), 'Text\n:::recall\nid: r\n');

    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems.map((p) => p.line)).toEqual([6, 12]);
    expect(problems[1]?.message).toMatch(/never closed/);
  });
});

describe('lesson format messages', () => {
  const withKey = (key: string, line: string | undefined) =>
    validFrontMatter
      .split('\n')
      .flatMap((l) => (l.startsWith(`${key}:`) ? (line === undefined ? [] : [line]) : [l]))
      .join('\n');
  const exercise = (kind: string, yaml: string[]) => lesson(validFrontMatter, [`:::${kind}`, ...yaml, ':::'].join('\n'));
  const choice = (id: string, extra: string[] = []) => [`  - id: ${id}`, `    text: ${id.toUpperCase()}`, ...extra, '    explanation: Because.'];

  it.each([
    ['an id that is not a slug', lesson(withKey('id', 'id: Not A Slug'), ''), [{ line: 2, message: "id is the text \"Not A Slug\", which is not an id: write an id of lowercase words joined by hyphens, e.g. \"token-audience\"" }]],
    ['a missing title', lesson(withKey('title', undefined), ''), [{ line: 2, message: "title is missing: add \"title: \" with a title as one line of text, e.g. \"Why tokens have an audience\"" }]],
    ['an empty title', lesson(withKey('title', 'title: ""'), ''), [{ line: 3, message: "title is empty: write a title as one line of text, e.g. \"Why tokens have an audience\"" }]],
    ['an order of zero', lesson(withKey('order', 'order: 0'), ''), [{ line: 6, message: "order is 0: write a whole number from 1 that places it among its siblings, e.g. 3" }]],
    ['a fractional order', lesson(withKey('order', 'order: 1.5'), ''), [{ line: 6, message: "order should be a whole number, not number 1.5: write a whole number from 1 that places it among its siblings, e.g. 3" }]],
    ['a word as order', lesson(withKey('order', 'order: first'), ''), [{ line: 6, message: "order should be a number, not the text \"first\": write a whole number from 1 that places it among its siblings, e.g. 3" }]],
    ['an unknown level', lesson(withKey('level', 'level: expert'), ''), [{ line: 7, message: "level is the text \"expert\": write junior, middle or senior" }]],
    ['no concepts', lesson(withKey('concepts', 'concepts: []'), ''), [{ line: 8, message: "concepts has 0 concepts, at least 1 needed: write a list of at least one concept id, e.g. [access-token, audience]" }]],
    ['an unknown key', lesson(`${validFrontMatter}\ndifficulty: 3`, ''), [{ line: 10, message: "unknown field \"difficulty\": remove it or check its spelling (see docs/authoring.md)" }]],
    ['a negative reading time', lesson(`${validFrontMatter}\nreadingMinutes: -2`, ''), [{ line: 10, message: "readingMinutes is -2: write a whole number of minutes, or leave the field out to have it computed" }]],
    [
      'a multiple choice with one choice and none correct',
      exercise('mcq', ['id: q', 'prompt: Which?', 'choices:', ...choice('a')]),
      [{ line: 14, message: "choices has 1 choice, at least 2 needed: write a list of choices, each \"- id: \u2026\" with text, explanation and, for the right ones, correct: true" }, { line: 12, message: "no choice is marked correct: add \"correct: true\" to each right choice" }],
    ],
    ['a repeated choice id', exercise('mcq', ['id: q', 'prompt: Which?', 'choices:', ...choice('a', ['    correct: true']), ...choice('a')]), [{ line: 19, message: "choices[1].id: duplicate choice id \"a\": give each choice its own id" }]],
    ['a choice whose correct is not a boolean', exercise('mcq', ['id: q', 'prompt: Which?', 'choices:', ...choice('a', ['    correct: yes please']), ...choice('b')]), [{ line: 17, message: "choices[0].correct should be true or false, not the text \"yes please\": write true or false" }]],
    ['an ordering of one step', exercise('ordering', ['id: o', 'prompt: Order', 'steps:', '  - id: a', '    text: A']), [{ line: 14, message: "steps has 1 step, at least 2 needed: write a list of steps in the correct order, each \"- id: \u2026\" with text" }]],
    ['a recall prompt without an answer', exercise('recall', ['id: r', 'prompts:', '  - id: p1', '    prompt: Why?']), [{ line: 14, message: "prompts[0].answer is missing: add \"answer: \" with the model answer in one to three sentences" }]],
    ['a recall without prompts', exercise('recall', ['id: r', 'prompts: []']), [{ line: 13, message: "prompts has 0 prompts, at least 1 needed: write a list of prompts, each \"- id: \u2026\" with prompt and answer" }]],
    ['recall prompts that are not a list', exercise('recall', ['id: r', 'prompts: hello']), [{ line: 13, message: "prompts should be a list, not the text \"hello\": write a list of prompts, each \"- id: \u2026\" with prompt and answer" }]],
  ])('names the field and says what to write for %s', (_, text, expected) => {
    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems.map(({ line, message }) => ({ line, message }))).toEqual(expected);
  });
});

describe('lesson rendering', () => {
  it('never puts answer keys or explanations in the page', () => {
    // Prepare
    const parsed = parseLesson('sample.md', sample);
    const mcq = parsed.blocks.find((b) => b.kind === 'mcq');
    if (mcq?.kind !== 'mcq') throw new Error('sample has no mcq');

    // Act
    const html = renderLessonBody(parsed);

    // Assess
    for (const choice of mcq.exercise.choices) {
      expect(html).toContain(`value="${choice.id}"`);
      expect(html).not.toContain(choice.explanation.slice(0, 40));
    }
    expect(html).not.toMatch(/correct/i);
  });

  it('never shows ordering steps in their correct order', () => {
    // Prepare
    const steps = ['a', 'b', 'c', 'd'].map((id) => ({ id }));

    // Act
    const orders = ['item-1', 'item-2', 'item-3', 'item-4', 'item-5'].map((item) => shuffleSteps(item, steps).map((s) => s.id).join(''));

    // Assess
    for (const order of orders) {
      expect(order).not.toBe('abcd');
      expect([...order].sort().join('')).toBe('abcd');
    }
  });

  it('gives headings unique anchors', () => {
    // Prepare
    const parsed = parseLesson('x.md', lesson(validFrontMatter, '## Why\n\ntext\n\n## Why\n'));

    // Act
    const html = renderLessonBody(parsed);

    // Assess
    expect(html).toContain('<h2 id="why">');
    expect(html).toContain('<h2 id="why-1">');
  });
});
