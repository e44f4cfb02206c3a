import { extensionOf, type FigureProblem } from '../domain/figures';
import { readSvgFigure } from './svg-figure';

/**
 * What a figure file holds, checked before it is published: the bytes are of the type its name
 * says and whole (a PNG's chunks, a WebP's RIFF container), a raster image is not larger than a
 * browser can decode cheaply, and an SVG holds only inert drawing features (an allow list read by a
 * strict tokenizer: svg-figure.ts). Figures are also only ever shown through an image element, where
 * browsers run no script, and `/figures/*` is served with a sandboxing CSP: further walls. It reads
 * markup, so it lives with rendering, not in the domain.
 */

/** Raster figures: decoded, a 16-megapixel image is already 64 MB of memory in the reader's browser. */
export const RASTER_LIMITS = { side: 8192, pixels: 16 * 1024 * 1024 } as const;

const startsWith = (bytes: Uint8Array, prefix: number[], offset = 0) => prefix.every((b, i) => bytes[offset + i] === b);

export interface FigureSize {
  width: number;
  height: number;
}

const uint32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const uint32le = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const uint24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length));
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** CRC-32 as PNG chunks carry it (ISO 3309). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const decodeText = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(bytes);

/** An SVG's intrinsic size from its root element's attributes: `width`/`height` in user units (px), else its viewBox. */
function svgSize(root: ReadonlyMap<string, string> | undefined): FigureSize | undefined {
  const attr = (name: string) => root?.get(name)?.trim();
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
  if (ext === '.svg') return svgSize(readSvgFigure(decodeText(bytes)).root);
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

const damaged = (ext: string, detail: string): FigureProblem[] => [{ line: 1, column: 1, message: `this ${ext} file is damaged or cut short (${detail}): export it again as ${ext === '.png' ? 'PNG' : 'WebP'}` }];

/** Within RASTER_LIMITS, or a problem saying by how much it is not. */
function pixelProblems(ext: string, size: FigureSize): FigureProblem[] {
  const { side, pixels } = RASTER_LIMITS;
  if (size.width <= side && size.height <= side && size.width * size.height <= pixels) return [];
  return [{ line: 1, column: 1, message: `this ${ext} image is ${size.width}×${size.height} pixels; figures may be at most ${side} pixels on a side and ${pixels / (1024 * 1024)} megapixels in all: scale it down (the page shows it at most as wide as the text column)` }];
}

/** Colour types and the bit depths each allows (PNG specification, IHDR). */
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const PNG_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/** A PNG walked chunk by chunk: IHDR first and valid, every chunk whole with its CRC, image data, IEND last; still. */
function pngProblems(bytes: Uint8Array): FigureProblem[] {
  let pos = PNG_SIGNATURE.length;
  let size: FigureSize | undefined;
  let [palette, data, end] = [false, false, false];
  while (pos < bytes.length) {
    if (end) return damaged('.png', 'bytes after the IEND chunk');
    if (pos + 12 > bytes.length) return damaged('.png', 'a chunk is cut short');
    const length = uint32(bytes, pos);
    const type = ascii(bytes, pos + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type)) return damaged('.png', `a chunk has the unreadable type "${type}"`);
    if (length > bytes.length - pos - 12) return damaged('.png', `the ${type} chunk is cut short`);
    const payload = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== uint32(bytes, pos + 8 + length)) return damaged('.png', `the ${type} chunk's checksum is wrong`);
    if (!size && type !== 'IHDR') return damaged('.png', 'the first chunk is not IHDR');
    if (type === 'IHDR') {
      if (size || length !== 13) return damaged('.png', 'its IHDR chunk is not a single 13-byte header');
      const [depth, colour, compression, filter, interlace] = [payload[8]!, payload[9]!, payload[10]!, payload[11]!, payload[12]!];
      if (!PNG_DEPTHS[colour]?.includes(depth) || compression !== 0 || filter !== 0 || interlace > 1) return damaged('.png', 'its header names no valid colour type and bit depth');
      size = { width: uint32(payload, 0), height: uint32(payload, 4) };
      if (size.width === 0 || size.height === 0) return damaged('.png', 'its width or height is 0');
      const tooBig = pixelProblems('.png', size);
      if (tooBig.length > 0) return tooBig;
      if (colour === 3) palette = true;
    } else if (type === 'acTL' || type === 'fcTL' || type === 'fdAT') {
      return [{ line: 1, column: 1, message: 'this .png file is an animated PNG: figures are still pictures; export one frame as PNG' }];
    } else if (type === 'PLTE') palette = false;
    else if (type === 'IDAT') {
      if (palette) return damaged('.png', 'its palette (PLTE) is missing before the image data');
      data = true;
    } else if (type === 'IEND') {
      if (!data) return damaged('.png', 'it has no image data (IDAT)');
      end = true;
    } else if (!PNG_CRITICAL.has(type) && type.charCodeAt(0) < 0x61) return damaged('.png', `it holds the unknown critical chunk ${type}`);
    pos += length + 12;
  }
  if (!size) return damaged('.png', 'it has no IHDR header');
  if (!data) return damaged('.png', 'it has no image data (IDAT)');
  if (!end) return damaged('.png', 'it does not end with an IEND chunk');
  return [];
}

/** A WebP walked chunk by chunk: the RIFF size is the file's, every chunk fits, one still VP8/VP8L image within the limits. */
function webpProblems(bytes: Uint8Array): FigureProblem[] {
  if (bytes.length < 20 || uint32le(bytes, 4) + 8 !== bytes.length) return damaged('.webp', `its RIFF header gives ${bytes.length >= 8 ? uint32le(bytes, 4) + 8 : '?'} bytes, the file has ${bytes.length}`);
  let pos = 12;
  let image: string | undefined;
  const first = ascii(bytes, 12, 4);
  if (first !== 'VP8 ' && first !== 'VP8L' && first !== 'VP8X') return damaged('.webp', `its first chunk is "${first}", not VP8, VP8L or VP8X`);
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) return damaged('.webp', 'a chunk is cut short');
    const type = ascii(bytes, pos, 4);
    const length = uint32le(bytes, pos + 4);
    if (length > bytes.length - pos - 8) return damaged('.webp', `the ${type.trim()} chunk is cut short`);
    if (type === 'ANIM' || type === 'ANMF' || (type === 'VP8X' && (bytes[pos + 8]! & 0x02) !== 0)) {
      return [{ line: 1, column: 1, message: 'this .webp file is an animated WebP: figures are still pictures; export one frame as WebP' }];
    }
    if (type === 'VP8 ' || type === 'VP8L') {
      if (image) return damaged('.webp', 'it holds more than one image');
      image = type;
      const payload = bytes.subarray(pos + 8, pos + 8 + length);
      const valid = type === 'VP8L' ? payload[0] === 0x2f && length >= 5 : length >= 10 && startsWith(payload, [0x9d, 0x01, 0x2a], 3);
      if (!valid) return damaged('.webp', `its ${type.trim()} image data does not start as it must`);
    }
    pos += 8 + length + (length & 1);
  }
  if (pos !== bytes.length) return damaged('.webp', 'its last chunk runs past the end of the file');
  if (!image) return damaged('.webp', 'it holds no image data (VP8 or VP8L)');
  return [];
}

/** Problems with a figure file's own bytes: the type its name claims, whole, a readable size within limits, only inert SVG. */
export function checkFigureBytes(key: string, bytes: Uint8Array): FigureProblem[] {
  const at = { line: 1, column: 1 };
  const ext = extensionOf(key);
  if (ext === '.png' && !startsWith(bytes, PNG_SIGNATURE)) return [{ ...at, message: 'this .png file is not a PNG image: export it as PNG or rename it to its real type' }];
  if (ext === '.webp' && !(startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))) return [{ ...at, message: 'this .webp file is not a WebP image: export it as WebP or rename it to its real type' }];
  if (ext === '.png' || ext === '.webp') {
    const whole = ext === '.png' ? pngProblems(bytes) : webpProblems(bytes);
    if (whole.length > 0) return whole;
    const size = figureSize(key, bytes);
    if (!size) return [{ ...at, message: `this ${ext} file's size (width and height) cannot be read: export it again as a plain ${ext.slice(1).toUpperCase()} image` }];
    return pixelProblems(ext, size);
  }
  const { problems, root } = readSvgFigure(decodeText(bytes));
  if (problems.length > 0) return problems;
  if (!svgSize(root)) return [{ ...at, message: 'this SVG has no size: give its <svg> element a viewBox (e.g. viewBox="0 0 640 360") or a width and height in pixels, so the page can reserve its space' }];
  return [];
}
