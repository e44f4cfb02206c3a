import { groupMetaSchema, type GroupMeta } from './catalog';
import { checkIds, type IdLedger } from './item-ids';
import { lessonLinks, nestingProblem, scanBody, unsafeMarkup } from './body-scan';
import { frontMatterClose, LessonFormatError, parseLesson, parseYamlAt, splitLines, type Lesson, type LessonProblem } from './lesson';
import { limits } from './limits';

/**
 * Content validation, shared by `npm run content -- check` (the whole tree at once) and ingest (one
 * changed file against the published catalog). Every problem carries its file, line and column.
 */

export interface ContentFile {
  /** Path relative to the content root, e.g. `security/oauth/authorization-code-pkce.md`. */
  key: string;
  body: string;
  /** Last modification (ms since the epoch) where known: of two files claiming one id, the older keeps it. */
  modified?: number;
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
  // `.MD` and `.Md` are lessons too (and told to rename), never silently skipped.
  if (!/\.md$/i.test(key) || parts.some((p) => p.startsWith('.'))) return undefined;
  if (parts.length === 1 && /^readme\.md$/i.test(key)) return undefined;
  const name = parts[parts.length - 1]!.replace(/\.md$/i, '');
  return { kind: 'lesson', track: parts.length === 3 ? parts[0] : undefined, unit: parts.length === 3 ? parts[1] : undefined, name };
}

const lineCol = (file: string, line: number, column: number, message: string): Problem => ({ file, line, column, message });

/** Position of the first line matching `pattern` from `fromLine` (1-based) on, with the match's column. */
function locate(body: string, pattern: RegExp, fromLine = 1, toLine = Number.MAX_SAFE_INTEGER): { line: number; column: number } {
  const lines = splitLines(body);
  for (let i = Math.max(0, fromLine - 1); i < Math.min(lines.length, toLine); i++) {
    const match = pattern.exec(lines[i]!);
    if (match) return { line: i + 1, column: match.index + 1 };
  }
  return { line: fromLine, column: 1 };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A YAML line `id: <id>` (as a key or a list entry), trailing comment allowed. */
const idLine = (id: string) => new RegExp(`^\\s*(?:- )?id:\\s*${escapeRegExp(id)}\\s*(?:#.*)?$`);
const frontMatterEnd = (body: string) => frontMatterClose(splitLines(body)) + 1;
const keyLine = (body: string, key: string) => locate(body, new RegExp(`^${key}:`), 1, frontMatterEnd(body));

/** Checks a `track.yaml` or `unit.yaml`. */
export function checkGroupMeta(file: ContentFile): { meta?: GroupMeta; problems: Problem[] } {
  const found = readable(file);
  if (found.length > 0) return { problems: found };
  return guarded(file, () => {
    const problems: LessonProblem[] = [];
    const meta = parseYamlAt(file.body, 1, groupMetaSchema, problems);
    return { ...(meta ? { meta } : {}), problems: problems.map((p) => ({ file: file.key, ...p })) };
  });
}

/** Problems that stop a file from being read at all: too large, or not UTF-8 text. */
function readable(file: ContentFile): Problem[] {
  const bytes = new TextEncoder().encode(file.body).length;
  if (bytes > limits.fileBytes) {
    // Point at the line where the file crosses the limit.
    const cut = new TextDecoder().decode(new TextEncoder().encode(file.body).slice(0, limits.fileBytes));
    const line = splitLines(cut).length;
    const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
    return [lineCol(file.key, line, 1, `this file is ${kib(bytes)}, over the limit of ${kib(limits.fileBytes)} per file (reached at this line): split it into smaller lessons`)];
  }
  // Bytes that are not UTF-8 arrive as U+FFFD (readContentTree and S3 decode them so).
  const bad = file.body.indexOf('\uFFFD');
  if (bad !== -1) {
    const before = splitLines(file.body.slice(0, bad));
    return [lineCol(file.key, before.length, before.at(-1)!.length + 1, 'this file is not UTF-8 text (a byte here is not valid UTF-8, e.g. Latin-1 "é"): save the file as UTF-8')];
  }
  return [];
}

/** Runs a check so that no input can make it throw: an unexpected error becomes a problem on line 1. */
function guarded<T extends { problems: Problem[] }>(file: ContentFile, check: () => T): T | { problems: Problem[] } {
  try {
    return check();
  } catch (error) {
    if (error instanceof LessonFormatError) throw error;
    const what = error instanceof RangeError ? 'it is nested or repeated too deeply' : error instanceof Error ? error.message : String(error);
    return { problems: [lineCol(file.key, 1, 1, `this file could not be checked (${what}): simplify it; if it looks fine, report it as a bug in the validator`)] };
  }
}

/** Parses a lesson and checks what the file alone can tell: schema, blocks, ids, where it is filed. */
export function checkLessonFile(file: ContentFile): { lesson?: Lesson; problems: Problem[] } {
  const unreadable = readable(file);
  if (unreadable.length > 0) return { problems: unreadable };
  const result = guarded(file, () => {
    try {
      return checkParsedLessonFile(file, parseLesson(file.key, file.body));
    } catch (error) {
      if (!(error instanceof LessonFormatError)) throw error;
      // The body's own checks still run, so a broken exercise does not hide raw HTML further down.
      return { problems: [...error.problems.map((p) => ({ file: file.key, ...p })), ...bodyProblems(file)] };
    }
  });
  return { ...result, problems: capped(sortProblems(result.problems)) };
}

/** At most this many problems per file: 10,000 broken choices need one screen, not 10,000 lines. */
const maxProblemsPerFile = 50;
function capped(problems: Problem[]): Problem[] {
  if (problems.length <= maxProblemsPerFile) return problems;
  const last = problems[maxProblemsPerFile - 1]!;
  return [...problems.slice(0, maxProblemsPerFile - 1), { ...last, message: `${problems.length - maxProblemsPerFile + 1} more problems from here on: fix the ones above first` }];
}

const sortProblems = (problems: Problem[]) => [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);

/** What the body's lines alone tell: unclosed code fences, raw HTML, unsafe links, deep nesting. */
function bodyProblems(file: ContentFile): Problem[] {
  const { lines, unclosedFences } = scanBody(file.body);
  const nesting = nestingProblem(lines);
  return [...unclosedFences, ...unsafeMarkup(lines), ...(nesting ? [nesting] : [])].map((p) => ({ file: file.key, ...p }));
}

function checkParsedLessonFile(file: ContentFile, lesson: Lesson): { lesson: Lesson; problems: Problem[] } {
  const problems: Problem[] = bodyProblems(file);
  if (!file.key.endsWith('.md')) {
    const name = file.key.split('/').at(-1)!;
    problems.push(lineCol(file.key, 1, 1, `lesson files end in lowercase ".md": rename ${name} to ${name.replace(/\.md$/i, '.md')}`));
  }
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

/**
 * Lesson ids a body links to, with positions: `/lessons/<id>` in prose (code excluded) and relative
 * links such as `../<id>/` (a lesson page lives at /lessons/<own id>/).
 */
export function internalLinks(body: string, ownId = ''): { id: string; line: number; column: number }[] {
  return lessonLinks(scanBody(body).lines, ownId);
}

/** Checks a parsed lesson against the rest of the catalog: ids, prerequisites, tracks, units, links. */
export function checkLessonInContext(file: ContentFile, lesson: Lesson, context: CatalogContext): Problem[] {
  const problems: Problem[] = [];
  const { id, track, unit, prerequisites } = lesson.meta;
  const owner = context.lessons.get(id);
  if (owner && owner !== file.key) problems.push({ file: file.key, ...keyLine(file.body, 'id'), message: `lesson id "${id}" is already used by ${owner}: give this lesson its own id (and file name); the file published first keeps an id` });
  if (!context.tracks.has(track)) problems.push({ file: file.key, ...keyLine(file.body, 'track'), message: `unknown track "${track}": ${track}/track.yaml does not exist` });
  else if (!context.units.has(`${track}/${unit}`)) problems.push({ file: file.key, ...keyLine(file.body, 'unit'), message: `unknown unit "${unit}": ${track}/${unit}/unit.yaml does not exist` });
  const prerequisitesLine = keyLine(file.body, 'prerequisites').line;
  for (const prerequisite of prerequisites) {
    if (prerequisite === id) problems.push({ file: file.key, ...locate(file.body, new RegExp(`\\b${escapeRegExp(prerequisite)}\\b`), prerequisitesLine, frontMatterEnd(file.body)), message: 'a lesson cannot be its own prerequisite: remove its own id from prerequisites' });
    else if (!context.lessons.has(prerequisite)) problems.push({ file: file.key, ...locate(file.body, new RegExp(`\\b${escapeRegExp(prerequisite)}\\b`), prerequisitesLine, frontMatterEnd(file.body)), message: `unknown prerequisite "${prerequisite}": write the id of an existing lesson, or remove it` });
  }
  for (const link of internalLinks(file.body, id)) {
    if (link.id !== id && !context.lessons.has(link.id)) problems.push({ file: file.key, line: link.line, column: link.column, message: `broken link: no lesson "${link.id}" (link to /lessons/<id>/ with the id of an existing lesson)` });
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
  // As at ingest, where the published file keeps its id and the new upload is rejected: the file
  // changed least recently owns an id (path order breaks ties), so the newer file is reported.
  for (const { file, lesson } of byAge(lessons)) {
    if (!context.lessons.has(lesson.meta.id)) context.lessons.set(lesson.meta.id, file.key);
  }
  return context;
}

/** Lessons oldest first (by `modified`, then path): the order in which they own ids and places. */
function byAge<T extends { file: ContentFile }>(lessons: T[]): T[] {
  return [...lessons].sort((a, b) => (a.file.modified ?? 0) - (b.file.modified ?? 0) || a.file.key.localeCompare(b.file.key));
}

const prerequisiteAt = (file: ContentFile, id: string) =>
  locate(file.body, new RegExp(`\\b${escapeRegExp(id)}\\b`), keyLine(file.body, 'prerequisites').line, frontMatterEnd(file.body));

/**
 * Prerequisite cycles (a → b → a): each lesson on a cycle is reported at the prerequisite that
 * leads back to it, with the whole cycle spelled out.
 */
export function prerequisiteCycles(lessons: { file: ContentFile; lesson: Lesson }[]): Problem[] {
  const byId = new Map(lessons.map((entry) => [entry.lesson.meta.id, entry]));
  const next = (id: string) => (byId.get(id)?.lesson.meta.prerequisites ?? []).filter((p) => p !== id && byId.has(p));
  // Peel off lessons whose prerequisites are all settled; what remains is on or behind a cycle.
  const remaining = new Set(byId.keys());
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of remaining) {
      if (next(id).every((p) => !remaining.has(p))) {
        remaining.delete(id);
        changed = true;
      }
    }
  }
  const problems: Problem[] = [];
  for (const id of remaining) {
    // Shortest way back to `id` (breadth first), if there is one.
    const from = new Map<string, string>();
    const queue = next(id).filter((p) => remaining.has(p));
    for (const p of queue) from.set(p, id);
    let found = false;
    for (let i = 0; i < queue.length && !found; i++) {
      const at = queue[i]!;
      if (at === id) found = true;
      else {
        for (const p of next(at).filter((p) => remaining.has(p) && !from.has(p))) {
          from.set(p, at);
          queue.push(p);
        }
      }
    }
    if (!found) continue;
    const path = [id];
    for (let at = from.get(id)!; at !== id; at = from.get(at)!) path.unshift(at);
    path.unshift(id);
    const { file } = byId.get(id)!;
    problems.push({ file: file.key, ...prerequisiteAt(file, path[1]!), message: `prerequisites go round in a circle (${path.join(' → ')}): remove "${path[1]}" here or the prerequisite that leads back` });
  }
  return problems;
}

/** Two lessons of one unit with the same `order`: the newer file is told to pick a free place. */
export function duplicateOrders(lessons: { file: ContentFile; lesson: Lesson }[]): Problem[] {
  const taken = new Map<string, string>();
  const problems: Problem[] = [];
  for (const { file, lesson } of byAge(lessons)) {
    const { track, unit, order } = lesson.meta;
    const place = `${track}/${unit}#${order}`;
    const owner = taken.get(place);
    if (owner) problems.push(orderTaken(file, lesson, owner));
    else taken.set(place, file.key);
  }
  return problems;
}

/** The problem of a lesson whose place in its unit another file holds (check and ingest say the same). */
export function orderTaken(file: ContentFile, lesson: Lesson, owner: string): Problem {
  const { track, unit, order } = lesson.meta;
  return { file: file.key, ...keyLine(file.body, 'order'), message: `order ${order} is already taken in unit ${track}/${unit} by ${owner}: give each lesson of a unit its own order` };
}

/**
 * At ingest, one lesson against the published graph: whether following its prerequisites (as
 * `prerequisitesOf` knows them: published lessons and the rest of the batch) leads back to it. The
 * wording is that of `prerequisiteCycles`, so check and ingest report a cycle alike.
 */
export function prerequisiteCycleThrough(file: ContentFile, lesson: Lesson, prerequisitesOf: ReadonlyMap<string, readonly string[]>): Problem | undefined {
  const id = lesson.meta.id;
  const from = new Map<string, string>();
  const queue = lesson.meta.prerequisites.filter((p) => p !== id);
  for (const p of queue) from.set(p, id);
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const next of prerequisitesOf.get(at) ?? []) {
      if (next === id) {
        const path = [at];
        for (let back = from.get(at)!; back !== id; back = from.get(back)!) path.unshift(back);
        const cycle = [id, ...path, id];
        return { file: file.key, ...prerequisiteAt(file, cycle[1]!), message: `prerequisites go round in a circle (${cycle.join(' → ')}): remove "${cycle[1]}" here or the prerequisite that leads back` };
      }
      if (!from.has(next)) {
        from.set(next, at);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** Renders a lesson body (injected: the domain does not depend on the renderer). */
export type RenderBody = (lesson: Lesson) => string;

/**
 * Checks that a lesson renders and that the result fits in its stored item, so a lesson that ingest
 * could not store is rejected by `check` too, with a position instead of a DynamoDB error.
 */
export function checkRenderedLesson(file: ContentFile, lesson: Lesson, render: RenderBody): { body?: string; problems: Problem[] } {
  let body: string;
  try {
    body = render(lesson);
  } catch (error) {
    const why = error instanceof RangeError ? 'it nests too deeply' : error instanceof Error ? error.message : String(error);
    return { problems: [lineCol(file.key, 1, 1, `this lesson could not be rendered (${why}): simplify its Markdown`)] };
  }
  const bytes = new TextEncoder().encode(body).length;
  if (bytes > limits.renderedBytes) {
    const largest = [...lesson.blocks].sort((a, b) => blockSize(b) - blockSize(a))[0];
    return { problems: [lineCol(file.key, largest?.line ?? 1, 1, `this lesson renders to ${Math.ceil(bytes / 1024)} KiB of HTML, over the limit of ${limits.renderedBytes / 1024} KiB (the largest block starts here): split it into smaller lessons or shorten its code`)] };
  }
  return { body, problems: [] };
}

const blockSize = (block: Lesson['blocks'][number]) => ('text' in block ? block.text.length : JSON.stringify(block.exercise).length);

/**
 * Validates a whole content tree, reporting every problem in every file, sorted by position. With
 * `render`, every lesson that passes is also rendered and measured as ingest would store it.
 */
export function validateTree(files: ContentFile[], options: { render?: RenderBody } = {}): { lessons: Lesson[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const parsed: { file: ContentFile; lesson: Lesson }[] = [];
  for (const file of files) {
    const kind = classifyKey(file.key);
    if (!kind) continue;
    if (kind.kind !== 'lesson') {
      problems.push(...checkGroupMeta(file).problems);
      if (kind.kind === 'unit' && !files.some((f) => f.key === `${kind.track}/track.yaml`)) {
        problems.push(lineCol(file.key, 1, 1, `unit folder sits in a track without ${kind.track}/track.yaml: add one with title, order and description`));
      }
      continue;
    }
    const result = checkLessonFile(file);
    problems.push(...result.problems);
    if (result.lesson) parsed.push({ file, lesson: result.lesson });
  }
  const context = treeContext(files, parsed);
  for (const { file, lesson } of parsed) {
    problems.push(...guarded(file, () => ({ problems: checkLessonInContext(file, lesson, context) })).problems);
    if (options.render && !problems.some((p) => p.file === file.key)) problems.push(...checkRenderedLesson(file, lesson, options.render).problems);
  }
  problems.push(...prerequisiteCycles(parsed), ...duplicateOrders(parsed));
  return { lessons: parsed.map((p) => p.lesson), problems: sortProblems(problems) };
}
