import * as z from './zod';
import { levels } from './levels';
import { limits } from './limits';
import { quoteText, schemaMessage, yamlMessage } from './messages';
import { positionsOf } from './positions';
import { readYaml, type YamlProblem, type YamlRead } from './yaml-reader';

/**
 * The lesson authoring format (first draft): YAML front matter between `---` lines, then Markdown.
 * Blocks open with a line `:::kind` and close with a line `:::`. Callouts (metaphor, note) and the
 * summary hold Markdown; exercises (mcq, ordering, recall) hold YAML.
 */

const slug = z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase words joined by hyphens, e.g. "token-audience"'));
/** Required text: blank or whitespace-only is as good as missing. */
const requiredText = z.string().check(z.trim(), z.minLength(1));
const positiveInt = () => z.number().check(z.int(), z.positive());

export const frontMatterSchema = z.strictObject({
  id: slug,
  title: requiredText,
  track: slug,
  unit: slug,
  order: positiveInt(),
  level: z.enum(levels),
  concepts: z.array(slug).check(z.minLength(1)),
  prerequisites: z._default(z.array(slug), []),
  summary: requiredText,
  readingMinutes: z.optional(positiveInt()),
});

/** Flags every repeat of an id in a list, pointing at the repeated entry's `id`. */
function uniqueIds<K extends string>(listKey: K, what: string) {
  return z.superRefine<Record<K, { id: string }[]>>((value, ctx) => {
    const seen = new Set<string>();
    value[listKey].forEach((entry, index) => {
      if (seen.has(entry.id)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} id ${quoteText(entry.id)}: give each ${what} its own id`, path: [listKey, index, 'id'] });
      seen.add(entry.id);
    });
  });
}

const choiceSchema = z.strictObject({
  id: slug,
  text: requiredText,
  correct: z._default(z.boolean(), false),
  explanation: requiredText,
});

export const mcqSchema = z
  .strictObject({
    id: slug,
    prompt: requiredText,
    choices: z.array(choiceSchema).check(z.minLength(2), z.maxLength(limits.choices)),
  })
  .check(
    z.refine((mcq) => mcq.choices.some((choice) => choice.correct), 'no choice is marked correct: add "correct: true" to each right choice'),
    uniqueIds('choices', 'choice'),
  );

export const orderingSchema = z
  .strictObject({
    id: slug,
    prompt: requiredText,
    /** Written in the correct order; the page shows them shuffled. */
    steps: z.array(z.strictObject({ id: slug, text: requiredText })).check(z.minLength(2, 'an ordering needs at least 2 steps'), z.maxLength(limits.steps)),
  })
  .check(uniqueIds('steps', 'step'));

export const recallSchema = z
  .strictObject({
    id: slug,
    prompts: z.array(z.strictObject({ id: slug, prompt: requiredText, answer: requiredText })).check(z.minLength(1), z.maxLength(limits.recallPrompts)),
  })
  .check(uniqueIds('prompts', 'prompt'));

export type FrontMatter = z.infer<typeof frontMatterSchema>;
export type Mcq = z.infer<typeof mcqSchema>;
export type Ordering = z.infer<typeof orderingSchema>;
export type Recall = z.infer<typeof recallSchema>;

/** `line` is where the block starts in the file (1-based), so later checks can point at it. */
export type Block = { line: number } & (
  | { kind: 'markdown'; text: string }
  | { kind: 'callout'; variant: 'metaphor' | 'note'; text: string }
  | { kind: 'summary'; text: string }
  | { kind: 'mcq'; exercise: Mcq }
  | { kind: 'ordering'; exercise: Ordering }
  | { kind: 'recall'; exercise: Recall }
);
export type ExerciseBlock = Extract<Block, { exercise: unknown }>;

export interface Lesson {
  meta: FrontMatter;
  blocks: Block[];
}

export interface LessonProblem {
  line: number;
  column: number;
  message: string;
}

/** Thrown when a lesson cannot be parsed; carries every problem found, with its position. */
export class LessonFormatError extends Error {
  constructor(
    readonly source: string,
    readonly problems: LessonProblem[],
  ) {
    super(problems.map((p) => `${source}:${p.line}:${p.column} ${p.message}`).join('\n'));
    this.name = 'LessonFormatError';
  }
}

const exerciseSchemas = { mcq: mcqSchema, ordering: orderingSchema, recall: recallSchema } as const;
const markdownBlocks = new Set(['metaphor', 'note', 'summary']);

/**
 * Where a schema problem at `path` is best shown: a key for an unknown key or a whole list or map
 * (e.g. too few steps), else the value; for a missing key, its closest existing parent.
 */
function offsetOf(read: YamlRead, path: PropertyKey[], isKey: boolean): number | undefined {
  if (isKey || (path.length > 0 && read.nodeAt(path)?.collection)) {
    const key = read.keyAt(path);
    if (key !== undefined) return key;
  }
  for (let depth = path.length; depth > 0; depth--) {
    const node = read.nodeAt(path.slice(0, depth));
    if (node) return node.offset;
  }
  return undefined;
}

/** The value at `path` in parsed YAML (undefined when a key along the way is missing). */
function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Author wording for a YAML problem; the two alias problems name the alias. */
function problemMessage(problem: YamlProblem): string {
  if (problem.alias !== undefined && problem.code === 'MISSING_ANCHOR') {
    return `YAML alias ${quoteText(`*${problem.alias}`)} refers to no anchor ${quoteText(`&${problem.alias}`)}: write the value out in full`;
  }
  if (problem.alias !== undefined && problem.code === 'RESOURCE_EXHAUSTION' && problem.size) {
    return `YAML aliases ("*name") expand to more than ${limits.fileBytes / 1024} KiB of copied text: write the values out instead of using anchors and aliases`;
  }
  if (problem.alias !== undefined && problem.code === 'RESOURCE_EXHAUSTION') {
    return `YAML aliases ("*name") expand to more than ${limits.yamlAliases} copies: write the values out instead of using anchors and aliases`;
  }
  return yamlMessage(problem.code);
}

/** Parses a YAML fragment that starts at `firstLine` (1-based) and validates it with `schema`. */
export function parseYamlAt<T>(
  text: string,
  firstLine: number,
  schema: z.ZodMiniType<T>,
  problems: LessonProblem[],
): T | undefined {
  const read = readYaml(text, { maxAliases: limits.yamlAliases, maxAliasChars: limits.fileBytes });
  const positions = positionsOf(text);
  const at = (offset: number | undefined) => {
    const pos = offset === undefined ? { line: 1, column: 1 } : positions(offset);
    return { line: firstLine + pos.line - 1, column: pos.column };
  };
  if (read.problems.length > 0) {
    // Report each kind of YAML mistake once, where it first occurs.
    const reported = new Set<string>();
    for (const problem of read.problems) {
      const message = problemMessage(problem);
      if (reported.has(message)) continue;
      reported.add(message);
      problems.push({ ...at(problem.offset), message });
    }
    return undefined;
  }
  const result = schema.safeParse(read.value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    // Point at the offending key when the reader can tell where it is, else at the block's first line.
    // An unknown key is reported on its object; point at the key itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    problems.push({ ...at(offsetOf(read, path, issue.code === 'unrecognized_keys')), message: schemaMessage(issue, valueAt(read.value, issue.path)) });
  }
  return undefined;
}

/** Lines of a file, whatever its line endings (LF, CRLF or CR alone), so positions count the same everywhere. */
export const splitLines = (text: string) => text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);

/** Index of the line that closes the front matter (a `---` line, trailing spaces allowed), or -1. */
export const frontMatterClose = (lines: string[]) => lines.findIndex((line, i) => i > 0 && line.trimEnd() === '---');

const blockOpening = /^:::(\s*)([A-Za-z]+)\s*$/;

/** Parses one lesson file. `source` names it in error messages (a path or an object key). */
export function parseLesson(source: string, text: string): Lesson {
  const problems: LessonProblem[] = [];
  const lines = splitLines(text);

  if (lines[0]?.trim() !== '---') {
    throw new LessonFormatError(source, [{ line: 1, column: 1, message: 'a lesson starts with front matter: make the first line "---", then the fields (id, title, …), then a line "---"' }]);
  }
  const fmEnd = frontMatterClose(lines);
  if (fmEnd === -1) {
    throw new LessonFormatError(source, [{ line: 1, column: 1, message: 'front matter is not closed: add a line "---" after its last field' }]);
  }
  const meta = parseYamlAt(lines.slice(1, fmEnd).join('\n'), 2, frontMatterSchema, problems);

  const blocks: Block[] = [];
  let markdown: string[] = [];
  let markdownLine = fmEnd + 2;
  const flushMarkdown = (nextLine: number) => {
    const textBlock = markdown.join('\n').trim();
    if (textBlock) blocks.push({ kind: 'markdown', text: textBlock, line: markdownLine });
    markdown = [];
    markdownLine = nextLine;
  };

  const known = [...markdownBlocks, ...Object.keys(exerciseSchemas)].join(', ');
  for (let i = fmEnd + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = blockOpening.exec(line);
    if (!open) {
      if (line.trim() === ':::') problems.push({ line: i + 1, column: 1, message: 'closing ":::" without an open block: open it with a line ":::kind" (one of ' + known + '), or remove this line' });
      else markdown.push(line);
      continue;
    }
    const written = open[2] ?? '';
    const kind = written.toLowerCase();
    if (open[1] || written !== kind) {
      problems.push({ line: i + 1, column: 1, message: `write the block opening as ":::${kind}" (lowercase, no space after ":::")` });
    }
    const close = lines.findIndex((l, j) => j > i && l.trim() === ':::');
    if (close === -1) {
      problems.push({ line: i + 1, column: 1, message: `block ":::${kind}" is never closed: add a line ":::" after its last line` });
      break;
    }
    flushMarkdown(close + 2);
    const inner = lines.slice(i + 1, close).join('\n');
    const at = i + 1;
    if (markdownBlocks.has(kind)) {
      if (kind === 'summary') blocks.push({ kind: 'summary', text: inner.trim(), line: at });
      else blocks.push({ kind: 'callout', variant: kind as 'metaphor' | 'note', text: inner.trim(), line: at });
    } else if (kind in exerciseSchemas) {
      const exerciseKind = kind as keyof typeof exerciseSchemas;
      const exercise = parseYamlAt(inner, i + 2, exerciseSchemas[exerciseKind] as z.ZodMiniType<unknown>, problems);
      if (exercise) blocks.push({ kind: exerciseKind, exercise, line: at } as Block);
    } else {
      problems.push({ line: i + 1, column: 4, message: `unknown block ":::${kind}": use one of ${known}` });
    }
    i = close;
  }
  flushMarkdown(lines.length + 1);
  const exercises = blocks.filter((b) => 'exercise' in b);
  if (exercises.length > limits.exercises) {
    problems.push({ line: exercises[limits.exercises]!.line, column: 1, message: `${exercises.length} exercise blocks, at most ${limits.exercises} in one lesson: split the lesson in two` });
  }

  if (problems.length > 0 || !meta) throw new LessonFormatError(source, problems);
  return { meta, blocks };
}

/** The prose a learner reads in a block, exercises included. */
function blockText(block: Block): string {
  switch (block.kind) {
    case 'markdown':
    case 'callout':
    case 'summary':
      return block.text;
    case 'mcq':
      return [block.exercise.prompt, ...block.exercise.choices.map((c) => c.text)].join(' ');
    case 'ordering':
      return [block.exercise.prompt, ...block.exercise.steps.map((s) => s.text)].join(' ');
    case 'recall':
      return block.exercise.prompts.map((p) => p.prompt).join(' ');
  }
}

/** Reading time in minutes at about 220 words a minute, unless the author set it. */
export function readingMinutes(lesson: Lesson): number {
  if (lesson.meta.readingMinutes) return lesson.meta.readingMinutes;
  const words = lesson.blocks.map(blockText).join(' ').split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round(words / 220));
}
