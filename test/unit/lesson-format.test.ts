import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LessonFormatError, parseLesson, readingMinutes } from '../../lambdas/domain/lesson';
import { renderLessonBody, shuffleSteps } from '../../lambdas/render';

const sample = readFileSync(new URL('../../content/security/oauth/authorization-code-pkce.md', import.meta.url), 'utf8');

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
