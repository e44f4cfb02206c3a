import { createHash } from 'node:crypto';

/**
 * Figures: images stored next to the lesson that shows them, referenced as `![alt](name.png)`.
 * The rules here: a text alternative is required; only SVG, PNG and WebP (written in lower case,
 * as the bucket's notifications match them); at most 1 MiB (raster) or 256 KiB (SVG); in the
 * lesson's own folder (no subfolder), named with letters, digits, '.', '_' and '-' only. Which
 * references a lesson holds is read by the Markdown renderer (`figureRefs` in lambdas/render), so
 * that what is checked is what the page shows. What a figure file holds (the bytes match the name, an
 * SVG carries nothing active) is markup, so it is checked in lambdas/render/figures.ts. Published
 * names carry a content hash, so they can be cached as immutable.
 */

export const FIGURE_LIMITS = { rasterBytes: 1024 * 1024, svgBytes: 256 * 1024, perLesson: 50 } as const;
const TYPES = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp' } as const;
export type FigureType = keyof typeof TYPES;
/** The file name endings of figures. */
export const FIGURE_EXTENSIONS = Object.keys(TYPES) as FigureType[];

/** An image reference of a lesson, as the renderer reads it, at the position of its `![`. */
export interface FigureRef {
  alt: string;
  src: string;
  title?: string;
  line: number;
  column: number;
}

export interface FigureProblem {
  line: number;
  column: number;
  message: string;
}

export const extensionOf = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
};
export const figureType = (name: string): string | undefined => TYPES[extensionOf(name) as FigureType];

/** What a figure's file name may hold: it becomes part of a URL and an S3 key as it is. */
const FIGURE_NAME = /^[A-Za-z0-9._-]+$/;

/** The file name a reference names in the lesson's folder (`./` dropped), or why it cannot be one. */
function figureName(src: string): { name: string } | { problem: string } {
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('/') || src.includes('..') || src.includes('\\')) {
    return { problem: `must be a file in the lesson's folder, named relative to it, e.g. (pkce-flow.svg)` };
  }
  const name = src.replace(/^\.\//, '');
  if (name.includes('/')) {
    const file = name.slice(name.lastIndexOf('/') + 1);
    return { problem: `is in a subfolder: figures sit next to the lesson that shows them; move the file into the lesson's folder and write (${file || 'pkce-flow.svg'})` };
  }
  if (!FIGURE_NAME.test(name)) {
    const suggestion = name.replace(/[^A-Za-z0-9._-]+/g, '-');
    return { problem: `has a file name with characters other than letters, digits, ".", "_" and "-": rename the file, e.g. to ${suggestion}, and write (${suggestion})` };
  }
  const ext = name.slice(name.lastIndexOf('.'));
  if (ext !== ext.toLowerCase()) {
    // The bucket notices uploads by lower-case endings only: an upper-case one would never be published.
    const lower = `${name.slice(0, -ext.length)}${ext.toLowerCase()}`;
    return { problem: `has an upper-case extension: rename the file to ${lower} and write (${lower})` };
  }
  return { name };
}

/** The content key a figure reference names, next to the lesson; undefined if it cannot be a figure's name. */
export function figureKey(lessonKey: string, src: string): string | undefined {
  const named = figureName(src);
  if (!('name' in named)) return undefined;
  return `${lessonKey.slice(0, lessonKey.lastIndexOf('/') + 1)}${named.name}`;
}

/** Problems with a lesson's figure references, given the size of each content file that exists. */
export function checkFigureRefs(lessonKey: string, refs: readonly FigureRef[], sizeOf: (key: string) => number | undefined): FigureProblem[] {
  const problems: FigureProblem[] = [];
  const distinct = new Set<string>();
  let overLimit = false;
  for (const ref of refs) {
    const at = { line: ref.line, column: ref.column };
    distinct.add(ref.src);
    if (!overLimit && distinct.size > FIGURE_LIMITS.perLesson) {
      overLimit = true;
      problems.push({ ...at, message: `this lesson shows more than ${FIGURE_LIMITS.perLesson} different figures (this is figure ${FIGURE_LIMITS.perLesson + 1}): split the lesson or combine figures` });
    }
    if (!ref.alt.trim()) problems.push({ ...at, message: `figure "${ref.src}" has no text alternative: write what it shows between the brackets, e.g. ![Sequence of the token exchange](${ref.src})` });
    const type = figureType(ref.src);
    if (!type) {
      problems.push({ ...at, message: `figure "${ref.src}" is not SVG, PNG or WebP: convert it to one of those (.svg, .png, .webp)` });
      continue;
    }
    const named = figureName(ref.src);
    if ('problem' in named) {
      problems.push({ ...at, message: `figure "${ref.src}" ${named.problem}` });
      continue;
    }
    const key = figureKey(lessonKey, ref.src)!;
    const size = sizeOf(key);
    const limit = type === TYPES['.svg'] ? FIGURE_LIMITS.svgBytes : FIGURE_LIMITS.rasterBytes;
    if (size === undefined) problems.push({ ...at, message: `figure "${ref.src}" does not exist: add ${key} or fix the name` });
    else if (size > limit) problems.push({ ...at, message: `figure "${ref.src}" is ${Math.ceil(size / 1024)} KiB; the limit is ${limit / 1024} KiB: compress or scale it down` });
  }
  return problems;
}

/** How a page shows a published figure: its URL on the site and its intrinsic size. */
export interface FigureImage {
  url: string;
  width: number;
  height: number;
}

/** Where figures are published in the site bucket (and served from, cached as immutable). */
export const FIGURE_PREFIX = 'figures/';
export const FIGURE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** The site URL of a published figure name (`figures/…`). */
export const figureUrl = (name: string) => `/${name}`;

/** The published name of a figure: `figures/<name>-<hash>.<ext>`, served with immutable caching. */
export function hashedFigureName(key: string, bytes: Uint8Array): string {
  // A name outside [A-Za-z0-9._-] is refused by the checks; replaced here too, so a URL is never broken.
  const file = key.slice(key.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9._-]/g, '-');
  const ext = extensionOf(file);
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 12).replace(/[-_]/g, '0');
  return `${FIGURE_PREFIX}${file.slice(0, file.length - ext.length)}-${hash}${ext}`;
}
