import { groupMetaSchema, type GroupMeta } from './catalog';
import { checkIds, type IdLedger } from './item-ids';
import { LessonFormatError, parseLesson, parseYamlAt, type Lesson, type LessonProblem } from './lesson';

/**
 * Content validation, shared by `npm run content -- check` (the whole tree at once) and ingest (one
 * changed file against the published catalog). Every problem carries its file, line and column.
 */

export interface ContentFile {
  /** Path relative to the content root, e.g. `security/oauth/authorization-code-pkce.md`. */
  key: string;
  body: string;
}

export interface Problem extends LessonProblem {
  file: string;
}

export const formatProblem = (p: Problem) => `${p.file}:${p.line}:${p.column} ${p.message}`;

/** What a lesson may refer to: lesson ids (with the file defining each), tracks and units. */
export interface CatalogContext {
  lessons: Map<string, string>;
  tracks: Set<string>;
  /** `<track>/<unit>` */
  units: Set<string>;
}

export type ContentKind =
  | { kind: 'track'; track: string }
  | { kind: 'unit'; track: string; unit: string }
  | { kind: 'lesson'; track: string | undefined; unit: string | undefined; name: string };

/** What a content file is, from its path; undefined for files the platform ignores. */
export function classifyKey(key: string): ContentKind | undefined {
  const parts = key.split('/');
  if (parts.length === 2 && parts[1] === 'track.yaml') return { kind: 'track', track: parts[0]! };
  if (parts.length === 3 && parts[2] === 'unit.yaml') return { kind: 'unit', track: parts[0]!, unit: parts[1]! };
  if (!key.endsWith('.md') || parts.some((p) => p.startsWith('.'))) return undefined;
  if (parts.length === 1 && /^readme\.md$/i.test(key)) return undefined;
  const name = parts[parts.length - 1]!.replace(/\.md$/, '');
  return { kind: 'lesson', track: parts.length === 3 ? parts[0] : undefined, unit: parts.length === 3 ? parts[1] : undefined, name };
}

const lineCol = (file: string, line: number, column: number, message: string): Problem => ({ file, line, column, message });

/** Position of the first line matching `pattern` from `fromLine` (1-based) on, with the match's column. */
function locate(body: string, pattern: RegExp, fromLine = 1, toLine = Number.MAX_SAFE_INTEGER): { line: number; column: number } {
  const lines = body.split(/\r?\n/);
  for (let i = Math.max(0, fromLine - 1); i < Math.min(lines.length, toLine); i++) {
    const match = pattern.exec(lines[i]!);
    if (match) return { line: i + 1, column: match.index + 1 };
  }
  return { line: fromLine, column: 1 };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A YAML line `id: <id>` (as a key or a list entry), trailing comment allowed. */
const idLine = (id: string) => new RegExp(`^\\s*(?:- )?id:\\s*${escapeRegExp(id)}\\s*(?:#.*)?$`);
const frontMatterEnd = (body: string) => body.split(/\r?\n/).indexOf('---', 1) + 1;
const keyLine = (body: string, key: string) => locate(body, new RegExp(`^${key}:`), 1, frontMatterEnd(body));

/** Checks a `track.yaml` or `unit.yaml`. */
export function checkGroupMeta(file: ContentFile): { meta?: GroupMeta; problems: Problem[] } {
  const found: LessonProblem[] = [];
  const meta = parseYamlAt(file.body, 1, groupMetaSchema, found);
  return { ...(meta ? { meta } : {}), problems: found.map((p) => ({ file: file.key, ...p })) };
}

/** Parses a lesson and checks what the file alone can tell: schema, blocks, ids, where it is filed. */
export function checkLessonFile(file: ContentFile): { lesson?: Lesson; problems: Problem[] } {
  let lesson: Lesson;
  try {
    lesson = parseLesson(file.key, file.body);
  } catch (error) {
    if (error instanceof LessonFormatError) return { problems: error.problems.map((p) => ({ file: file.key, ...p })) };
    throw error;
  }
  const problems: Problem[] = [];
  const where = classifyKey(file.key);
  const { track, unit, id } = lesson.meta;
  if (where?.kind === 'lesson') {
    if (where.track === undefined) {
      problems.push(lineCol(file.key, 1, 1, `a lesson lives in <track>/<unit>/: move it to ${track}/${unit}/${id}.md`));
    } else {
      if (where.track !== track) problems.push({ file: file.key, ...keyLine(file.body, 'track'), message: `track "${track}" does not match the folder "${where.track}/"` });
      if (where.unit !== unit) problems.push({ file: file.key, ...keyLine(file.body, 'unit'), message: `unit "${unit}" does not match the folder "${where.track}/${where.unit}/"` });
    }
    if (where.name !== id) problems.push({ file: file.key, ...keyLine(file.body, 'id'), message: `id "${id}" does not match the file name "${where.name}.md"` });
  }
  // Item ids are unique within a lesson: answers and reviews are keyed by lesson and item.
  const seen = new Set<string>();
  for (const block of lesson.blocks) {
    if (!('exercise' in block)) continue;
    const itemId = block.exercise.id;
    if (seen.has(itemId)) {
      problems.push({ file: file.key, ...locate(file.body, idLine(itemId), block.line), message: `duplicate item id "${itemId}" in this lesson` });
    }
    seen.add(itemId);
  }
  return { lesson, problems };
}

/** Lines of Markdown outside code fences, with their 1-based numbers. */
function proseLines(body: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inFence = false;
  const start = frontMatterEnd(body);
  body.split(/\r?\n/).forEach((text, i) => {
    if (i < start) return;
    if (/^\s*(```|~~~)/.test(text)) inFence = !inFence;
    else if (!inFence) out.push({ line: i + 1, text });
  });
  return out;
}

/** Lesson ids a body links to with `/lessons/<id>/`, with positions. */
export function internalLinks(body: string): { id: string; line: number; column: number }[] {
  const links: { id: string; line: number; column: number }[] = [];
  for (const { line, text } of proseLines(body)) {
    for (const match of text.matchAll(/(?<![\w/.-])\/lessons\/([^/\s)"'#?]+)/g)) {
      links.push({ id: match[1]!, line, column: (match.index ?? 0) + 1 });
    }
  }
  return links;
}

/** Checks a parsed lesson against the rest of the catalog: ids, prerequisites, tracks, units, links. */
export function checkLessonInContext(file: ContentFile, lesson: Lesson, context: CatalogContext): Problem[] {
  const problems: Problem[] = [];
  const { id, track, unit, prerequisites } = lesson.meta;
  const owner = context.lessons.get(id);
  if (owner && owner !== file.key) problems.push({ file: file.key, ...keyLine(file.body, 'id'), message: `lesson id "${id}" is already used by ${owner}` });
  if (!context.tracks.has(track)) problems.push({ file: file.key, ...keyLine(file.body, 'track'), message: `unknown track "${track}": ${track}/track.yaml does not exist` });
  else if (!context.units.has(`${track}/${unit}`)) problems.push({ file: file.key, ...keyLine(file.body, 'unit'), message: `unknown unit "${unit}": ${track}/${unit}/unit.yaml does not exist` });
  const prerequisitesLine = keyLine(file.body, 'prerequisites').line;
  for (const prerequisite of prerequisites) {
    if (prerequisite === id) problems.push({ file: file.key, ...locate(file.body, new RegExp(`\\b${escapeRegExp(prerequisite)}\\b`), prerequisitesLine, frontMatterEnd(file.body)), message: 'a lesson cannot be its own prerequisite' });
    else if (!context.lessons.has(prerequisite)) problems.push({ file: file.key, ...locate(file.body, new RegExp(`\\b${escapeRegExp(prerequisite)}\\b`), prerequisitesLine, frontMatterEnd(file.body)), message: `unknown prerequisite "${prerequisite}"` });
  }
  for (const link of internalLinks(file.body)) {
    if (link.id !== id && !context.lessons.has(link.id)) problems.push({ file: file.key, line: link.line, column: link.column, message: `broken link: no lesson "${link.id}"` });
  }
  return problems;
}

/** Checks a lesson's item and choice ids against what was published before (see item-ids.ts). */
export function checkLessonIds(file: ContentFile, lesson: Lesson, ledger: IdLedger): Problem[] {
  return checkIds(lesson, ledger).map((problem) => {
    const block = lesson.blocks.find((b) => 'exercise' in b && b.exercise.id === problem.itemId);
    const itemAt = locate(file.body, idLine(problem.itemId), block?.line ?? 1);
    const at = problem.choiceId ? locate(file.body, idLine(problem.choiceId), itemAt.line) : itemAt;
    return { file: file.key, ...at, message: problem.message };
  });
}

/** The context a whole tree defines (what `check` validates against). */
export function treeContext(files: ContentFile[], lessons: { file: ContentFile; lesson: Lesson }[]): CatalogContext {
  const context: CatalogContext = { lessons: new Map(), tracks: new Set(), units: new Set() };
  for (const file of files) {
    const kind = classifyKey(file.key);
    if (kind?.kind === 'track') context.tracks.add(kind.track);
    if (kind?.kind === 'unit') context.units.add(`${kind.track}/${kind.unit}`);
  }
  // The first file (in path order) owns an id; later ones are reported as duplicates.
  for (const { file, lesson } of [...lessons].sort((a, b) => a.file.key.localeCompare(b.file.key))) {
    if (!context.lessons.has(lesson.meta.id)) context.lessons.set(lesson.meta.id, file.key);
  }
  return context;
}

/** Validates a whole content tree, reporting every problem in every file, sorted by position. */
export function validateTree(files: ContentFile[]): { lessons: Lesson[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const parsed: { file: ContentFile; lesson: Lesson }[] = [];
  for (const file of files) {
    const kind = classifyKey(file.key);
    if (!kind) continue;
    if (kind.kind !== 'lesson') {
      problems.push(...checkGroupMeta(file).problems);
      if (kind.kind === 'unit' && !files.some((f) => f.key === `${kind.track}/track.yaml`)) {
        problems.push(lineCol(file.key, 1, 1, `unit folder sits in a track without ${kind.track}/track.yaml`));
      }
      continue;
    }
    const result = checkLessonFile(file);
    problems.push(...result.problems);
    if (result.lesson) parsed.push({ file, lesson: result.lesson });
  }
  const context = treeContext(files, parsed);
  for (const { file, lesson } of parsed) problems.push(...checkLessonInContext(file, lesson, context));
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { lessons: parsed.map((p) => p.lesson), problems };
}
