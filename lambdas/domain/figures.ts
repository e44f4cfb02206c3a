import { createHash } from 'node:crypto';

/**
 * Figures: images stored next to the lesson that shows them, referenced as `![alt](name.png)`.
 * The rules here: a text alternative is required; only SVG, PNG and WebP; at most 1 MiB (raster)
 * or 256 KiB (SVG), in the lesson's folder. What a figure file holds (the bytes match the name, an
 * SVG carries nothing active) is markup, so it is checked in lambdas/render/figures.ts. Published
 * names carry a content hash, so they can be cached as immutable.
 */

export const FIGURE_LIMITS = { rasterBytes: 1024 * 1024, svgBytes: 256 * 1024 } as const;
const TYPES = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp' } as const;
export type FigureType = keyof typeof TYPES;
/** The file name endings of figures. */
export const FIGURE_EXTENSIONS = Object.keys(TYPES) as FigureType[];

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

export const extensionOf = (name: string) => {
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
  const file = key.slice(key.lastIndexOf('/') + 1);
  const ext = extensionOf(file);
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 12).replace(/[-_]/g, '0');
  return `${FIGURE_PREFIX}${file.slice(0, file.length - ext.length)}-${hash}${ext}`;
}
