import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../bin/content/commands';
import { repoRoot } from '../../lib/paths';
import { lintAnatomy } from '../../lambdas/domain/anatomy';
import { parseLesson } from '../../lambdas/domain/lesson';

/** A lesson with every part of the anatomy; each test removes or changes one part. */
const complete = `---
id: queue-lesson
title: Queues
track: t
unit: u
order: 1
level: junior
concepts: [queues]
summary: Why a queue smooths bursts.
---

At 09:00 on Monday every office in town opened the payroll page at once, and the service fell over
for twenty minutes while its workers fought over the database.

## Bursts

A queue lets producers hand work over faster than consumers finish it.

:::metaphor
A ticket machine at the deli counter: customers arrive in bursts, the staff serve one at a time.
:::

- **Queue** — a buffer between producers and consumers.

:::mcq
id: first-mcq
prompt: What does a queue smooth?
choices:
  - id: bursts
    text: Bursts of arrivals.
    correct: true
    explanation: Right.
  - id: latency
    text: The latency of each single job.
    explanation: It adds waiting time instead.
:::

:::mcq
id: second-mcq
prompt: Which of these hold? Choose all that apply.
choices:
  - id: buffer
    text: A queue buffers work.
    correct: true
    explanation: Right.
  - id: decouple
    text: It decouples producer speed from consumer speed.
    correct: true
    explanation: Right.
  - id: free
    text: A queue costs no memory.
    explanation: Every waiting job takes space.
:::

:::ordering
id: steps
prompt: Order the life of a job.
steps:
  - id: enqueue
    text: Enqueue.
  - id: dequeue
    text: Dequeue.
  - id: ack
    text: Acknowledge.
:::

:::recall
id: recall
prompts:
  - id: one
    prompt: What is a queue?
    answer: A buffer.
  - id: two
    prompt: What does it cost?
    answer: Memory and waiting time.
  - id: three
    prompt: When does it overflow?
    answer: When arrivals outpace service for long enough.
:::

:::summary
A queue turns bursts into a steady flow, at the price of waiting.
:::

## Further reading

- [Queueing theory](https://example.org/queues)
`;

const lint = (body: string) => lintAnatomy(parseLesson('t/u/queue-lesson.md', body), body);
const lineOf = (body: string, text: string) => body.split('\n').findIndex((l) => l.includes(text)) + 1;
/** Removes a `:::kind` block whose first inner line contains `marker`. */
const withoutBlock = (body: string, kind: string, marker = '') => body.replace(new RegExp(`:::${kind}\\n${marker}[\\s\\S]*?\\n:::\\n`), '');

describe('anatomy lint', () => {
  it('finds nothing to warn about in a complete lesson', () => {
    expect(lint(complete)).toEqual([]);
  });

  it('finds nothing to warn about in the complete example of docs/authoring.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs/authoring.md'), 'utf8');
    const example = /````markdown\n([\s\S]*?)````/.exec(doc)?.[1] ?? '';
    expect(lintAnatomy(parseLesson('apis/idempotency/retry-budgets.md', example), example)).toEqual([]);
  });

  it('warns about a lesson that opens with a heading instead of a hook, at that heading', () => {
    // Prepare
    const body = complete.replace(/At 09:00[^\n]*\n[^\n]*\n\n/, '');

    // Act
    const warnings = lint(body);

    // Assess
    expect(warnings).toEqual([{ line: lineOf(body, '## Bursts'), column: 1, message: expect.stringMatching(/^no hook: .*before its first heading.*concrete story/) }]);
  });

  it('does not count a list or a callout before the first heading as a hook', () => {
    const body = complete.replace(/At 09:00[^\n]*\n[^\n]*\n/, '- a list item\n\n:::note\nA note.\n:::\n');
    expect(lint(body).map((w) => w.message)).toEqual([expect.stringMatching(/^no hook/)]);
  });

  it('warns about a missing metaphor block', () => {
    expect(lint(withoutBlock(complete, 'metaphor')).map((w) => w.message)).toEqual([expect.stringMatching(/^no metaphor: add a :::metaphor block/)]);
  });

  it('warns at the only multiple-choice question when the lesson has one', () => {
    // Prepare
    const body = withoutBlock(complete, 'mcq', 'id: second-mcq');

    // Act
    const warnings = lint(body);

    // Assess
    expect(warnings).toEqual([{ line: lineOf(body, 'id: first-mcq') - 1, column: 1, message: expect.stringMatching(/^only one :::mcq block: a lesson has 2 multiple-choice questions/) }]);
  });

  it('warns when there is no multiple-choice question at all', () => {
    const body = withoutBlock(withoutBlock(complete, 'mcq', 'id: second-mcq'), 'mcq', 'id: first-mcq');
    expect(lint(body).map((w) => w.message)).toEqual([expect.stringMatching(/^no :::mcq block/)]);
  });

  it('warns about a missing ordering exercise', () => {
    expect(lint(withoutBlock(complete, 'ordering')).map((w) => w.message)).toEqual([expect.stringMatching(/^no :::ordering block: add one exercise of about six steps/)]);
  });

  it('warns at the recall block when it has fewer than three prompts', () => {
    // Prepare
    const body = complete.replace(/  - id: three\n.*\n.*\n/, '');

    // Act
    const warnings = lint(body);

    // Assess
    expect(warnings).toEqual([{ line: lineOf(body, ':::recall'), column: 1, message: expect.stringMatching(/^2 recall prompts: a lesson has 3 recall prompts/) }]);
  });

  it('warns about a missing summary block', () => {
    expect(lint(withoutBlock(complete, 'summary')).map((w) => w.message)).toEqual([expect.stringMatching(/^no :::summary block/)]);
  });

  it('warns at the last line when the Further reading section is missing', () => {
    // Prepare
    const body = complete.replace(/\n## Further reading\n\n.*\n$/, '');

    // Act
    const warnings = lint(body);

    // Assess
    expect(warnings).toEqual([{ line: body.trimEnd().split('\n').length, column: 1, message: expect.stringMatching(/^no "## Further reading" section: .*primary sources/) }]);
  });

  it('warns about a Further reading section without links', () => {
    const body = complete.replace('- [Queueing theory](https://example.org/queues)', 'Read a book on queues.');
    expect(lint(body)).toEqual([{ line: lineOf(body, '## Further reading'), column: 1, message: expect.stringMatching(/^"Further reading" lists no links/) }]);
  });

  it('warns when the correct choice is the longest in every single-answer question, ignoring multi-selects', () => {
    // Prepare: the single-answer question's right choice becomes its longest (second-mcq has two right choices)
    const body = complete.replace('text: Bursts of arrivals.', 'text: Bursts of arrivals, by letting consumers work at their own steady pace.');

    // Act
    const warnings = lint(body);

    // Assess
    expect(warnings).toEqual([{ line: lineOf(body, 'id: first-mcq') - 1, column: 1, message: expect.stringMatching(/^the correct choice is the longest in every single-answer question \("first-mcq"\)/) }]);
  });

  it('does not warn about length when another single-answer question has a longer wrong choice', () => {
    // Prepare: first-mcq biased; second-mcq becomes single-answer with a wrong choice longer than the right one
    const body = complete
      .replace('text: Bursts of arrivals.', 'text: Bursts of arrivals, by letting consumers work at their own steady pace.')
      .replace('text: It decouples producer speed from consumer speed.\n    correct: true\n', 'text: It decouples producer speed from consumer speed.\n');

    // Act + Assess
    expect(lint(body)).toEqual([]);
  });
});

describe('npm run content -- check with anatomy warnings', () => {
  const root = mkdtempSync(join(tmpdir(), 'rungs-anatomy-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A content tree holding one lesson. */
  function tree(name: string, lesson: string): string {
    const dir = join(root, name);
    mkdirSync(join(dir, 't/u'), { recursive: true });
    writeFileSync(join(dir, 't/track.yaml'), 'title: T\norder: 1\ndescription: A track.\n');
    writeFileSync(join(dir, 't/u/unit.yaml'), 'title: U\norder: 1\ndescription: A unit.\n');
    writeFileSync(join(dir, 't/u/queue-lesson.md'), lesson);
    return dir;
  }
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, write: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
  };
  const incomplete = tree('incomplete', withoutBlock(complete, 'metaphor'));

  it('prints warnings as file:line:col and still exits 0 without --strict', async () => {
    // Prepare
    const { out, err, write } = capture();

    // Act
    const code = await checkCommand(incomplete, write.out, write.err);

    // Assess
    expect(code).toBe(0);
    expect(err[0]).toMatch(/^t\/u\/queue-lesson\.md:\d+:1 warning: no metaphor: /);
    expect(err[1]).toBe('1 anatomy warning in 1 of 3 files (--strict makes them errors)\n');
    expect(out).toEqual(['1 lessons in 1 tracks: no problems\n']);
  });

  it('exits 1 with --strict when there is a warning', async () => {
    const { out, err, write } = capture();
    expect(await checkCommand(incomplete, write.out, write.err, { strict: true })).toBe(1);
    expect(err[0]).toMatch(/^t\/u\/queue-lesson\.md:\d+:1 error: no metaphor: /);
    expect(out).toEqual([]);
  });

  it('exits 0 with --strict for a complete lesson', async () => {
    const { err, write } = capture();
    expect(await checkCommand(tree('complete', complete), write.out, write.err, { strict: true })).toBe(0);
    expect(err).toEqual([]);
  });
});
