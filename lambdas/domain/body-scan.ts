import { frontMatterClose, splitLines, type LessonProblem } from './lesson';
import { limits } from './limits';

/**
 * Line-by-line checks of a lesson body that need positions the Markdown renderer does not keep:
 * code fences (opened and closed), raw HTML, link schemes, links to other lessons and nesting depth.
 * Lines inside code fences and inline code spans are code, not Markdown, and are skipped.
 */

export interface BodyLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line with inline code spans blanked out (same length, so columns stay right). */
  text: string;
  /** Inside a `:::mcq`/`:::ordering`/`:::recall` block (YAML whose texts are Markdown). */
  exercise: boolean;
}

const fenceLine = /^\s*(`{3,}|~{3,})/;
const blockOpen = /^:::\s*([A-Za-z]+)\s*$/;
const exerciseKinds = new Set(['mcq', 'ordering', 'recall']);

const blank = (span: string) => ' '.repeat(span.length);

/** Blanks inline code spans (`` `x` ``, ``` ``x`` ```) so their contents are not read as Markdown. */
export const blankCodeSpans = (text: string) => text.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, (span) => ' '.repeat(span.length));

/**
 * The Markdown lines of a body outside code, and the fences never closed. Each `:::` block is
 * rendered on its own, so a fence left open ends at its block's edge and is reported there.
 */
export function scanBody(body: string): { lines: BodyLine[]; unclosedFences: LessonProblem[] } {
  const all = splitLines(body);
  const start = all[0]?.trim() === '---' ? frontMatterClose(all) + 1 : 0;
  const lines: BodyLine[] = [];
  const unclosedFences: LessonProblem[] = [];
  let fence: { marker: string; line: number } | undefined;
  let exercise = false;
  const closeSegment = () => {
    if (fence) unclosedFences.push({ line: fence.line, column: 1, message: `code fence "${fence.marker}" is never closed: add a line "${fence.marker}" after the code (until then the rest of the block is shown as code)` });
    fence = undefined;
  };
  for (let i = Math.max(0, start); i < all.length; i++) {
    const text = all[i]!;
    const open = blockOpen.exec(text);
    if (open || text.trim() === ':::') {
      closeSegment();
      exercise = open ? exerciseKinds.has(open[1]!.toLowerCase()) : false;
      continue;
    }
    const marker = exercise ? undefined : fenceLine.exec(text)?.[1];
    if (fence) {
      if (marker && marker[0] === fence.marker[0] && marker.length >= fence.marker.length && text.trim() === marker) fence = undefined;
      continue;
    }
    if (marker) {
      fence = { marker, line: i + 1 };
      continue;
    }
    // HTML comments are authors' notes (the renderer drops them), and so are YAML comments in exercises.
    const blanked = blankCodeSpans(text).replace(/<!--.*?-->/g, blank);
    lines.push({ line: i + 1, text: exercise ? blanked.replace(/(^|\s)#\s.*$/, blank) : blanked, exercise });
  }
  closeSegment();
  return { lines, unclosedFences };
}

const allowedSchemes = new Set(['http', 'https', 'mailto']);

/** The scheme a browser would see in a link destination (entities decoded, blanks dropped), if any. */
export function urlScheme(destination: string): string | undefined {
  const decoded = destination
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&colon;/gi, ':')
    .replace(/&(tab|newline);/gi, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0020\u007f]/g, '');
  return /^([a-z][a-z0-9+.-]*):/i.exec(decoded)?.[1]?.toLowerCase();
}

/** Link destinations on a line: inline links and images, reference definitions and autolinks. */
export function linkDestinations(text: string): { url: string; column: number }[] {
  const found: { url: string; column: number }[] = [];
  for (const match of text.matchAll(/\]\(\s*<?([^\s)>]*)/g)) found.push({ url: match[1]!, column: match.index + match[0].length - match[1]!.length + 1 });
  const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)/.exec(text);
  if (definition) found.push({ url: definition[1]!, column: definition[0].length - definition[1]!.length + 1 });
  for (const match of text.matchAll(/<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi)) found.push({ url: match[1]!, column: match.index + 2 });
  return found;
}

// HTML comments are allowed (authors' notes; the renderer drops them); every other tag is not.
const htmlTag = /<(\/?[A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?\/?>|<([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?$|<![A-Za-z[]|<\?/g;

/** Raw HTML and links with a scheme other than http, https and mailto (prose and exercise texts alike). */
export function unsafeMarkup(lines: BodyLine[]): LessonProblem[] {
  const problems: LessonProblem[] = [];
  for (const { line, text } of lines) {
    for (const match of text.matchAll(htmlTag)) {
      if (match.index > 0 && text[match.index - 1] === '\\') continue;
      const tag = match[1] ?? match[2];
      const shown = tag ? `<${tag}>` : match[0];
      problems.push({
        line,
        column: match.index + 1,
        message: `raw HTML "${shown}" is not allowed in a lesson: write Markdown instead; to show the text itself, put it in backticks (\`${shown}\`)`,
      });
    }
    for (const { url, column } of linkDestinations(text)) {
      const scheme = urlScheme(url);
      if (scheme && !allowedSchemes.has(scheme)) {
        problems.push({ line, column, message: `link to a "${scheme}:" URL is not allowed: link with https:, http:, mailto: or a relative path such as /lessons/<id>/` });
      }
    }
  }
  return problems;
}

/** Lesson ids the body links to, from `/lessons/<id>` anywhere in prose and relative links that resolve there. */
export function lessonLinks(lines: BodyLine[], ownId: string): { id: string; line: number; column: number }[] {
  const links: { id: string; line: number; column: number }[] = [];
  for (const { line, text } of lines) {
    for (const match of text.matchAll(/(?<![\w/.-])\/lessons\/([^/\s)"'#?`]+)/g)) links.push({ id: match[1]!, line, column: match.index + 1 });
    for (const { url, column } of linkDestinations(text)) {
      if (!url || url.startsWith('/') || url.startsWith('#') || urlScheme(url)) continue;
      // A lesson page lives at /lessons/<id>/, so `../other/` is another lesson.
      const path = new URL(url, `https://rungs.invalid/lessons/${ownId}/`).pathname;
      const id = /^\/lessons\/([^/]+)/.exec(path)?.[1];
      if (id) links.push({ id: decodeURIComponent(id), line, column });
    }
  }
  return links;
}

/** The first line whose quotes (`>`) and lists nest deeper than the limit (one report per file). */
export function nestingProblem(lines: BodyLine[]): LessonProblem | undefined {
  for (const { line, text, exercise } of lines) {
    if (exercise) continue;
    const quotePrefix = /^(?:[ \t]*>)+/.exec(text)?.[0] ?? '';
    const quotes = (quotePrefix.match(/>/g) ?? []).length;
    // A list item's level: its indentation (two spaces a level) plus markers opened on the same line ("- - -").
    const item = /^( *)((?:(?:[-*+]|\d{1,9}[.)])[ \t]+)+)/.exec(text.slice(quotePrefix.length).replace(/^[ \t]/, ''));
    const lists = item ? Math.floor(item[1]!.length / 2) + (item[2]!.match(/(?:[-*+]|\d{1,9}[.)])[ \t]+/g) ?? []).length : 0;
    if (quotes + lists > limits.nesting) {
      return { line, column: 1, message: `quotes (">") and lists nest ${quotes + lists} levels deep here, at most ${limits.nesting} are allowed: flatten the structure` };
    }
  }
  return undefined;
}
