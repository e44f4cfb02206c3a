import { createHash } from 'node:crypto';

/**
 * Figures: images stored next to the lesson that shows them, referenced as `![alt](name.png)`.
 * The rules: a text alternative is required; only SVG, PNG and WebP; at most 1 MiB (raster) or
 * 256 KiB (SVG); the bytes must be what the name says; an SVG may hold no script, event handler,
 * foreign content or external reference (it is also only ever served through <img>, where browsers
 * run no script, as a second wall). Published names carry a content hash, so they can be cached as
 * immutable.
 */

export const FIGURE_LIMITS = { rasterBytes: 1024 * 1024, svgBytes: 256 * 1024 } as const;
const TYPES = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp' } as const;
export type FigureType = keyof typeof TYPES;

export interface FigureRef {
  alt: string;
  src: string;
  line: number;
  column: number;
}

export interface FigureProblem {
  line: number;
  column: number;
  message: string;
}

const extensionOf = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
};
export const figureType = (name: string): string | undefined => TYPES[extensionOf(name) as FigureType];

/** Every `![alt](src)` outside fenced code, with its position (1-based). */
export function figureRefs(body: string): FigureRef[] {
  const refs: FigureRef[] = [];
  let fence: string | undefined;
  body.split(/\r\n|\r|\n/).forEach((text, i) => {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (opener && (!fence || opener.startsWith(fence))) {
      fence = fence ? undefined : opener;
      return;
    }
    if (fence) return;
    const unquoted = text.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    for (const match of unquoted.matchAll(/!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      refs.push({ alt: match[1] ?? '', src: match[2] ?? '', line: i + 1, column: (match.index ?? 0) + 1 });
    }
  });
  return refs;
}

/** The content key a figure reference names, relative to the lesson's folder; undefined if it leaves it. */
export function figureKey(lessonKey: string, src: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('/') || src.includes('..') || src.includes('\\')) return undefined;
  const folder = lessonKey.slice(0, lessonKey.lastIndexOf('/') + 1);
  return `${folder}${src.replace(/^\.\//, '')}`;
}

/** Problems with a lesson's figure references, given the size of each content file that exists. */
export function checkFigureRefs(lessonKey: string, body: string, sizeOf: (key: string) => number | undefined): FigureProblem[] {
  const problems: FigureProblem[] = [];
  for (const ref of figureRefs(body)) {
    const at = { line: ref.line, column: ref.column };
    if (!ref.alt.trim()) problems.push({ ...at, message: `figure "${ref.src}" has no text alternative: write what it shows between the brackets, e.g. ![Sequence of the token exchange](${ref.src})` });
    const type = figureType(ref.src);
    if (!type) {
      problems.push({ ...at, message: `figure "${ref.src}" is not SVG, PNG or WebP: convert it to one of those (.svg, .png, .webp)` });
      continue;
    }
    const key = figureKey(lessonKey, ref.src);
    if (!key) {
      problems.push({ ...at, message: `figure "${ref.src}" must be a file in the lesson's folder, named relative to it, e.g. (pkce-flow.svg)` });
      continue;
    }
    const size = sizeOf(key);
    const limit = type === TYPES['.svg'] ? FIGURE_LIMITS.svgBytes : FIGURE_LIMITS.rasterBytes;
    if (size === undefined) problems.push({ ...at, message: `figure "${ref.src}" does not exist: add ${key} or fix the name` });
    else if (size > limit) problems.push({ ...at, message: `figure "${ref.src}" is ${Math.ceil(size / 1024)} KiB; the limit is ${limit / 1024} KiB: compress or scale it down` });
  }
  return problems;
}

const startsWith = (bytes: Uint8Array, prefix: number[], offset = 0) => prefix.every((b, i) => bytes[offset + i] === b);

/** Problems with a figure file's own bytes: the type its name claims, and nothing active in an SVG. */
export function checkFigureBytes(key: string, bytes: Uint8Array): FigureProblem[] {
  const at = { line: 1, column: 1 };
  const ext = extensionOf(key);
  if (ext === '.png' && !startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return [{ ...at, message: 'this .png file is not a PNG image: export it as PNG or rename it to its real type' }];
  if (ext === '.webp' && !(startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))) return [{ ...at, message: 'this .webp file is not a WebP image: export it as WebP or rename it to its real type' }];
  if (ext !== '.svg') return [];
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (!/<svg[\s>]/i.test(text)) return [{ ...at, message: 'this .svg file has no <svg> element: export it as SVG' }];
  const forbidden: [RegExp, string][] = [
    [/<script[\s>/]/i, 'a <script> element'],
    [/<foreignObject[\s>/]/i, 'a <foreignObject> element'],
    [/\son[a-z]+\s*=/i, 'an event handler attribute (on…=)'],
    [/javascript:/i, 'a javascript: URL'],
    [/(?:xlink:)?href\s*=\s*["']\s*(?!#)[^"']/i, 'a reference to another file or site (href)'],
    [/<!ENTITY/i, 'an entity declaration'],
  ];
  const problems: FigureProblem[] = [];
  for (const [pattern, what] of forbidden) {
    const match = pattern.exec(text);
    if (!match) continue;
    const before = text.slice(0, match.index).split(/\r\n|\r|\n/);
    problems.push({ line: before.length, column: (before.at(-1)?.length ?? 0) + 1, message: `SVG figures may not contain ${what}: remove it (figures are pictures, not programs or documents)` });
  }
  return problems;
}

/** The published name of a figure: `figures/<name>-<hash>.<ext>`, served with immutable caching. */
export function hashedFigureName(key: string, bytes: Uint8Array): string {
  const file = key.slice(key.lastIndexOf('/') + 1);
  const ext = extensionOf(file);
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 12).replace(/[-_]/g, '0');
  return `figures/${file.slice(0, file.length - ext.length)}-${hash}${ext}`;
}
