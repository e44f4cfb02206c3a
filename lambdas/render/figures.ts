import { extensionOf, type FigureProblem } from '../domain/figures';

/**
 * What a figure file holds, checked before it is published: the bytes are of the type its name
 * says, and an SVG may hold no script, event handler, foreign content or external reference (it is
 * also only ever shown through an image element, where browsers run no script: a second wall). It
 * reads markup, so it lives with rendering, not in the domain.
 */

const startsWith = (bytes: Uint8Array, prefix: number[], offset = 0) => prefix.every((b, i) => bytes[offset + i] === b);

export interface FigureSize {
  width: number;
  height: number;
}

const uint32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const uint24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length));

/** An SVG's intrinsic size: its `width`/`height` in user units (px), else its viewBox. */
function svgSize(text: string): FigureSize | undefined {
  const tag = /<svg\b([^>]*)>/i.exec(text)?.[1] ?? '';
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1]?.trim();
  const px = (value: string | undefined) => (value && /^\d+(\.\d+)?(px)?$/.test(value) ? Number.parseFloat(value) : undefined);
  const [width, height] = [px(attr('width')), px(attr('height'))];
  if (width && height) return { width: Math.round(width), height: Math.round(height) };
  const box = attr('viewBox')?.split(/[\s,]+/).map(Number);
  if (box?.length === 4 && box.every(Number.isFinite) && box[2]! > 0 && box[3]! > 0) return { width: Math.round(box[2]!), height: Math.round(box[3]!) };
  return undefined;
}

/**
 * A figure's intrinsic size in CSS pixels, read from its header (PNG IHDR, the WebP VP8/VP8L/VP8X
 * chunk) or its root `<svg>` element; undefined when it cannot be read. Pages write it as the
 * image's `width` and `height`, so the browser reserves the space before the file arrives (no
 * layout shift).
 */
export function figureSize(key: string, bytes: Uint8Array): FigureSize | undefined {
  const ext = extensionOf(key);
  const found = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  if (ext === '.svg') return svgSize(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
  if (ext === '.png') return bytes.length >= 24 && ascii(bytes, 12, 4) === 'IHDR' ? found(uint32(bytes, 16), uint32(bytes, 20)) : undefined;
  if (ext !== '.webp' || bytes.length < 30) return undefined;
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8X') return found(uint24le(bytes, 24) + 1, uint24le(bytes, 27) + 1);
  if (chunk === 'VP8L' && bytes[20] === 0x2f) {
    const bits = (bytes[21]! | (bytes[22]! << 8) | (bytes[23]! << 16) | (bytes[24]! << 24)) >>> 0;
    return found((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ' && startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return found((bytes[26]! | (bytes[27]! << 8)) & 0x3fff, (bytes[28]! | (bytes[29]! << 8)) & 0x3fff);
  return undefined;
}

/** Problems with a figure file's own bytes: the type its name claims, a readable size, and nothing active in an SVG. */
export function checkFigureBytes(key: string, bytes: Uint8Array): FigureProblem[] {
  const at = { line: 1, column: 1 };
  const ext = extensionOf(key);
  if (ext === '.png' && !startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return [{ ...at, message: 'this .png file is not a PNG image: export it as PNG or rename it to its real type' }];
  if (ext === '.webp' && !(startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))) return [{ ...at, message: 'this .webp file is not a WebP image: export it as WebP or rename it to its real type' }];
  if (ext !== '.svg') return figureSize(key, bytes) ? [] : [{ ...at, message: `this ${ext} file's size (width and height) cannot be read: export it again as a plain ${ext.slice(1).toUpperCase()} image` }];
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
  if (!svgSize(text)) {
    const line = text.slice(0, text.search(/<svg[\s>]/i)).split(/\r\n|\r|\n/).length;
    problems.push({ line, column: 1, message: 'this SVG has no size: give its <svg> element a viewBox (e.g. viewBox="0 0 640 360") or a width and height in pixels, so the page can reserve its space' });
  }
  return problems;
}
