import { LineCounter, parseDocument } from 'yaml';
import * as z from './zod';
import { levels } from './levels';

/**
 * The lesson authoring format (first draft): YAML front matter between `---` lines, then Markdown.
 * Blocks open with a line `:::kind` and close with a line `:::`. Callouts (metaphor, note) and the
 * summary hold Markdown; exercises (mcq, ordering, recall) hold YAML.
 */

const slug = z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase words joined by hyphens, e.g. "token-audience"'));
const text = () => z.string().check(z.minLength(1));
const positiveInt = () => z.number().check(z.int(), z.positive());

export const frontMatterSchema = z.strictObject({
  id: slug,
  title: text(),
  track: slug,
  unit: slug,
  order: positiveInt(),
  level: z.enum(levels),
  concepts: z.array(slug).check(z.minLength(1)),
  prerequisites: z._default(z.array(slug), []),
  summary: text(),
  readingMinutes: z.optional(positiveInt()),
});

/** Flags every repeat of an id in a list, pointing at the repeated entry's `id`. */
function uniqueIds<K extends string>(listKey: K, what: string) {
  return z.superRefine<Record<K, { id: string }[]>>((value, ctx) => {
    const seen = new Set<string>();
    value[listKey].forEach((entry, index) => {
      if (seen.has(entry.id)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} id "${entry.id}"`, path: [listKey, index, 'id'] });
      seen.add(entry.id);
    });
  });
}

const choiceSchema = z.strictObject({
  id: slug,
  text: text(),
  correct: z._default(z.boolean(), false),
  explanation: text(),
});

export const mcqSchema = z
  .strictObject({
    id: slug,
    prompt: text(),
    choices: z.array(choiceSchema).check(z.minLength(2)),
  })
  .check(
    z.refine((mcq) => mcq.choices.some((choice) => choice.correct), 'needs at least one correct choice'),
    uniqueIds('choices', 'choice'),
  );

export const orderingSchema = z
  .strictObject({
    id: slug,
    prompt: text(),
    /** Written in the correct order; the page shows them shuffled. */
    steps: z.array(z.strictObject({ id: slug, text: text() })).check(z.minLength(2, 'an ordering needs at least 2 steps')),
  })
  .check(uniqueIds('steps', 'step'));

export const recallSchema = z
  .strictObject({
    id: slug,
    prompts: z.array(z.strictObject({ id: slug, prompt: text(), answer: text() })).check(z.minLength(1)),
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

/** The key node (not the value) at `path`, so a message can point at the key's own line. */
function keyNode(doc: ReturnType<typeof parseDocument>, path: PropertyKey[]): unknown {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1) as (string | number)[], true) : doc.contents;
  const items = (parent as { items?: { key?: { value?: unknown } }[] } | null)?.items ?? [];
  return items.find((pair) => pair.key?.value === path[path.length - 1])?.key;
}

type Range = [number, number, number];

/** Where the node at `path` starts; for a missing key, its closest existing parent. */
function rangeOf(doc: ReturnType<typeof parseDocument>, path: PropertyKey[], isKey: boolean): Range | undefined {
  // For a key or a whole list or map (e.g. too few steps), the key's line reads best.
  const node = path.length > 0 ? doc.getIn(path as (string | number)[], true) : undefined;
  if (isKey || (node && typeof node === 'object' && 'items' in node)) {
    const range = (keyNode(doc, path) as { range?: Range } | undefined)?.range;
    if (range) return range;
  }
  for (let depth = path.length; depth > 0; depth--) {
    const range = (doc.getIn(path.slice(0, depth) as (string | number)[], true) as { range?: Range } | undefined)?.range;
    if (range) return range;
  }
  return undefined;
}

/** Parses a YAML fragment that starts at `firstLine` (1-based) and validates it with `schema`. */
export function parseYamlAt<T>(
  text: string,
  firstLine: number,
  schema: z.ZodMiniType<T>,
  problems: LessonProblem[],
): T | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = lineCounter.linePos(error.pos[0]);
      problems.push({ line: firstLine + pos.line - 1, column: pos.col, message: error.message.split('\n')[0] ?? 'invalid YAML' });
    }
    return undefined;
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    // Point at the offending key when YAML can tell us where it is, else at the block's first line.
    // An unknown key is reported on its object; point at the key itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const range = rangeOf(doc, path, issue.code === 'unrecognized_keys');
    const pos = range ? lineCounter.linePos(range[0]) : { line: 1, col: 1 };
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    problems.push({ line: firstLine + pos.line - 1, column: pos.col, message: `${where}${issue.message}` });
  }
  return undefined;
}

/** Parses one lesson file. `source` names it in error messages (a path or an object key). */
export function parseLesson(source: string, text: string): Lesson {
  const problems: LessonProblem[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');

  if (lines[0]?.trim() !== '---') {
    throw new LessonFormatError(source, [{ line: 1, column: 1, message: 'a lesson starts with front matter: a line "---"' }]);
  }
  const fmEnd = lines.indexOf('---', 1);
  if (fmEnd === -1) {
    throw new LessonFormatError(source, [{ line: 1, column: 1, message: 'front matter is not closed by a line "---"' }]);
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

  for (let i = fmEnd + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = /^:::([a-z]+)\s*$/.exec(line);
    if (!open) {
      if (line.trim() === ':::') problems.push({ line: i + 1, column: 1, message: 'closing ":::" without an open block' });
      else markdown.push(line);
      continue;
    }
    const kind = open[1] ?? '';
    const close = lines.findIndex((l, j) => j > i && l.trim() === ':::');
    if (close === -1) {
      problems.push({ line: i + 1, column: 1, message: `block ":::${kind}" is never closed by a line ":::"` });
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
      problems.push({ line: i + 1, column: 4, message: `unknown block ":::${kind}" (known: ${[...markdownBlocks, ...Object.keys(exerciseSchemas)].join(', ')})` });
    }
    i = close;
  }
  flushMarkdown(lines.length + 1);

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
