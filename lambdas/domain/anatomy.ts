import { frontMatterClose, splitLines, type Block, type Lesson, type LessonProblem, type Mcq } from './lesson';

/**
 * The anatomy lint: what a complete lesson has (docs/authoring.md, "The anatomy of a lesson") that
 * the schema cannot demand without rejecting drafts. Its findings are warnings, not problems: a
 * lesson without a metaphor still publishes; `npm run content -- check --strict` turns them into
 * errors. Pure: takes the parsed lesson and its source text, returns positions and advice.
 */

export type AnatomyWarning = LessonProblem;

/** What the lint expects of a complete lesson. */
export const anatomy = { mcqs: 2, recallPrompts: 3 } as const;

interface Line {
  line: number;
  text: string;
}

/** Prose lines of the body: outside the front matter, `:::` blocks and code fences. */
function proseLines(body: string): Line[] {
  const lines = splitLines(body);
  const start = lines[0]?.trim() === '---' ? frontMatterClose(lines) + 1 : 0;
  const out: Line[] = [];
  let fence = false;
  let block = false;
  for (let i = start; i < lines.length; i++) {
    const text = lines[i]!;
    if (!fence && /^:::[a-z]+\s*$/.test(text)) block = true;
    else if (block && text.trim() === ':::') block = false;
    else if (!block && /^\s*(```|~~~)/.test(text)) fence = !fence;
    else if (!block && !fence) out.push({ line: i + 1, text });
  }
  return out;
}

const heading = /^#{1,6}\s+\S/;
/** A line that reads as running prose: not a heading, list, quote, table or empty line. */
const paragraph = (text: string) => text.trim() !== '' && !heading.test(text) && !/^\s*([-*+>|]|\d+[.)])\s/.test(text);

const mcqs = (lesson: Lesson) => lesson.blocks.filter((b): b is Extract<Block, { kind: 'mcq' }> => b.kind === 'mcq');

/** Whether the one correct choice is longer than every other choice (the classic giveaway). */
export function correctIsLongest(mcq: Mcq): boolean {
  const correct = mcq.choices.filter((c) => c.correct);
  if (correct.length !== 1) return false;
  const length = (text: string) => text.trim().length;
  const right = length(correct[0]!.text);
  return mcq.choices.every((c) => c.correct || length(c.text) < right);
}

/** Every anatomy warning for one lesson, in file order. `body` is the file the lesson was parsed from. */
export function lintAnatomy(lesson: Lesson, body: string): AnatomyWarning[] {
  const warnings: AnatomyWarning[] = [];
  const prose = proseLines(body);
  const lastLine = splitLines(body.replace(/[\r\n]+$/, '')).length;
  const bodyStart = prose[0]?.line ?? lastLine;
  const firstHeading = prose.find((l) => heading.test(l.text));
  const readingHeading = prose.find((l) => /^##\s+further reading\s*$/i.test(l.text));
  const warn = (line: number, message: string) => warnings.push({ line, column: 1, message });

  // The hook: a paragraph before the first heading, and before any block.
  const firstBlock = lesson.blocks.find((b) => b.kind !== 'markdown');
  const beforeHeading = prose.filter((l) => l.line < (firstHeading?.line ?? Number.MAX_SAFE_INTEGER) && l.line < (firstBlock?.line ?? Number.MAX_SAFE_INTEGER));
  if (!beforeHeading.some((l) => paragraph(l.text))) {
    warn(firstHeading?.line ?? bodyStart, 'no hook: open the lesson, before its first heading, with a short paragraph that tells a concrete story (a named situation: who, when, what went wrong), not a definition');
  }

  if (!lesson.blocks.some((b) => b.kind === 'callout' && b.variant === 'metaphor')) {
    warn(firstHeading?.line ?? bodyStart, 'no metaphor: add a :::metaphor block that explains the main idea through an everyday analogy');
  }

  const questions = mcqs(lesson);
  if (questions.length < anatomy.mcqs) {
    const at = questions[0]?.line ?? readingHeading?.line ?? lastLine;
    const have = questions.length === 0 ? 'no :::mcq block' : 'only one :::mcq block';
    warn(at, `${have}: a lesson has ${anatomy.mcqs} multiple-choice questions whose wrong choices are plausible misconceptions`);
  }

  if (!lesson.blocks.some((b) => b.kind === 'ordering')) {
    warn(readingHeading?.line ?? lastLine, 'no :::ordering block: add one exercise of about six steps, written in the correct order');
  }

  const recalls = lesson.blocks.filter((b) => b.kind === 'recall');
  const prompts = recalls.reduce((sum, b) => sum + b.exercise.prompts.length, 0);
  if (prompts < anatomy.recallPrompts) {
    const have = prompts === 0 ? 'no :::recall block' : `${prompts} recall ${prompts === 1 ? 'prompt' : 'prompts'}`;
    warn(recalls[0]?.line ?? readingHeading?.line ?? lastLine, `${have}: a lesson has ${anatomy.recallPrompts} recall prompts, each with a model answer of one to three sentences`);
  }

  if (!lesson.blocks.some((b) => b.kind === 'summary')) {
    warn(readingHeading?.line ?? lastLine, 'no :::summary block: add the crux of the lesson in a few sentences');
  }

  if (!readingHeading) {
    warn(lastLine, 'no "## Further reading" section: end the lesson with a list of 2 to 4 links to primary sources (RFCs, official documentation, the original paper)');
  } else if (!prose.some((l) => l.line > readingHeading.line && /^\s*[-*]\s.*\]\(https?:\/\//.test(l.text))) {
    warn(readingHeading.line, '"Further reading" lists no links: add 2 to 4 list items, each a link to a primary source');
  }

  // One biased question can be chance; every question biased the same way teaches the learner to
  // pick the longest choice instead of thinking.
  const single = questions.filter((b) => b.exercise.choices.filter((c) => c.correct).length === 1);
  if (single.length > 0 && single.every((b) => correctIsLongest(b.exercise))) {
    const ids = single.map((b) => `"${b.exercise.id}"`).join(', ');
    warn(single[0]!.line, `the correct choice is the longest in every single-answer question (${ids}): shorten the right answer or make the wrong ones fuller, plausible misconceptions, so length gives nothing away`);
  }

  return warnings.sort((a, b) => a.line - b.line);
}
