import { extensionOf, type FigureProblem } from '../domain/figures';

/**
 * What a figure file holds, checked before it is published: the bytes are of the type its name
 * says, and an SVG may hold no script, event handler, foreign content or external reference (it is
 * also only ever shown through an image element, where browsers run no script: a second wall). It
 * reads markup, so it lives with rendering, not in the domain.
 */

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
