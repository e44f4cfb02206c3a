import { deflateSync } from 'node:zlib';

/** Builders of figure files byte by byte, whole or broken on purpose, for the figure checks' tests. */

export const SVG_NS = 'http://www.w3.org/2000/svg';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Uint8Array | number[]): Uint8Array {
  const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
  return new Uint8Array([...u32(body.length - 4), ...body, ...u32(crc32(body))]);
}

export interface PngShape {
  /** The chunks after IHDR; by default one IDAT of real (blank) rows, then IEND. */
  chunks?: Uint8Array[];
}

/** An RGBA PNG of the given size; its image data is real (blank rows) unless the image is too large to build. */
export function png(width: number, height: number, shape: PngShape = {}): Uint8Array {
  const header = pngChunk('IHDR', [...u32(width), ...u32(height), 8, 6, 0, 0, 0]);
  const rows = width * height <= 4_000_000 ? new Uint8Array((width * 4 + 1) * height) : new Uint8Array(16);
  const chunks = shape.chunks ?? [pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', [])];
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...header, ...chunks.flatMap((c) => [...c])]);
}

/** A RIFF WebP container around the given chunks (type + payload), padded as RIFF requires. */
export function webp(...chunks: (string | number[])[]): Uint8Array {
  const body: number[] = [...new TextEncoder().encode('WEBP')];
  for (let i = 0; i < chunks.length; i += 2) {
    const payload = chunks[i + 1] as number[];
    body.push(...new TextEncoder().encode(chunks[i] as string), ...u32le(payload.length), ...payload, ...(payload.length % 2 ? [0] : []));
  }
  return new Uint8Array([...new TextEncoder().encode('RIFF'), ...u32le(body.length), ...body]);
}

/** A VP8L (lossless) bitstream header of the given size, with a few bytes of (not decodable) image data. */
export function vp8l(width: number, height: number): number[] {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  return [0x2f, ...u32le(bits >>> 0), 0, 0, 0, 0, 0];
}

/** A VP8X extended header: flags, then canvas width-1 and height-1 in 24 bits each. */
export function vp8x(width: number, height: number, flags = 0): number[] {
  const u24 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
  return [flags, 0, 0, 0, ...u24(width - 1), ...u24(height - 1)];
}
