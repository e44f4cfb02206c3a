import { describe, expect, it } from 'vitest';
import { checkFigureRefs, FIGURE_LIMITS, figureRefs, figureUrl, hashedFigureName } from '../../lambdas/domain/figures';
import { parseLesson } from '../../lambdas/domain/lesson';
import { checkFigureBytes, figureSize, renderLessonBody } from '../../lambdas/render';
import { lessonSource } from '../fixtures/synthetic-catalog';

const LESSON = 'security/oauth/why-oauth.md';
/** The signature and IHDR chunk of a 640×360 PNG: all a size check reads. */
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 0x80, 0, 0, 1, 0x68, 8, 6, 0, 0, 0]);
const riff = (chunk: string, payload: number[]) => new Uint8Array([...new TextEncoder().encode(`RIFF\0\0\0\0WEBP${chunk}\0\0\0\0`), ...payload]);
const svg = (inner: string) => new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n${inner}\n</svg>\n`);

describe('figure references in a lesson', () => {
  it('finds ![alt](src) with its position and ignores code', () => {
    const body = 'Intro\n\n![The flow](flow.svg "PKCE")\n\n```md\n![](ignored.png)\n```\nInline `![](also-ignored.png)` here.\n';
    expect(figureRefs(body)).toEqual([{ alt: 'The flow', src: 'flow.svg', line: 3, column: 1 }]);
  });

  it('requires alt text, a supported type, a file next to the lesson that exists, within the size limit', () => {
    // Prepare
    const body = ['![](flow.svg)', '![Chart](chart.gif)', '![Remote](https://example.com/a.png)', '![Missing](missing.png)', '![Big](big.png)', '![Fine](./fine.webp)'].join('\n');
    const sizes = new Map([
      ['security/oauth/flow.svg', 100],
      ['security/oauth/big.png', FIGURE_LIMITS.rasterBytes + 1],
      ['security/oauth/fine.webp', 2000],
    ]);

    // Act
    const problems = checkFigureRefs(LESSON, body, (key) => sizes.get(key));

    // Assess
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '1:1 figure "flow.svg" has no text alternative: write what it shows between the brackets, e.g. ![Sequence of the token exchange](flow.svg)',
      '2:1 figure "chart.gif" is not SVG, PNG or WebP: convert it to one of those (.svg, .png, .webp)',
      '3:1 figure "https://example.com/a.png" must be a file in the lesson\'s folder, named relative to it, e.g. (pkce-flow.svg)',
      '4:1 figure "missing.png" does not exist: add security/oauth/missing.png or fix the name',
      '5:1 figure "big.png" is 1025 KiB; the limit is 1024 KiB: compress or scale it down',
    ]);
  });
});

describe('figure files', () => {
  it('accepts a real PNG and a plain SVG', () => {
    expect(checkFigureBytes('a/b/x.png', png)).toEqual([]);
    expect(checkFigureBytes('a/b/x.svg', svg('<rect width="5" height="5"/><use href="#r"/>'))).toEqual([]);
  });

  it('rejects bytes that are not what the name says', () => {
    expect(checkFigureBytes('a/b/x.png', new TextEncoder().encode('GIF89a'))[0]?.message).toMatch(/^this \.png file is not a PNG image/);
    expect(checkFigureBytes('a/b/x.webp', png)[0]?.message).toMatch(/^this \.webp file is not a WebP image/);
  });

  it('rejects script, handlers, foreign content and external references in an SVG, at their line', () => {
    const problems = checkFigureBytes('a/b/x.svg', svg('<script>alert(1)</script>\n<rect onclick="x()"/>\n<foreignObject></foreignObject>\n<image href="https://evil.example/x.png"/>'));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message.split(':')[0]}`)).toEqual([
      '2:1 SVG figures may not contain a <script> element',
      '4:1 SVG figures may not contain a <foreignObject> element',
      '3:6 SVG figures may not contain an event handler attribute (on…=)',
      '5:8 SVG figures may not contain a reference to another file or site (href)',
    ]);
  });

  it('rejects a figure whose size cannot be read: an SVG needs a viewBox or a width and height', () => {
    expect(checkFigureBytes('a/b/x.svg', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg">\n<rect/></svg>')).map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '1:1 this SVG has no size: give its <svg> element a viewBox (e.g. viewBox="0 0 640 360") or a width and height in pixels, so the page can reserve its space',
    ]);
    expect(checkFigureBytes('a/b/x.png', png.slice(0, 12))[0]?.message).toMatch(/^this \.png file's size \(width and height\) cannot be read/);
  });

  it('reads the intrinsic size of SVG (width/height, else viewBox), PNG and the three WebP kinds', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(figureSize('x.svg', text('<svg width="400px" height="200" viewBox="0 0 10 10">'))).toEqual({ width: 400, height: 200 });
    expect(figureSize('x.svg', text('<svg width="100%" viewBox="0,0,640.4,359.6">'))).toEqual({ width: 640, height: 360 });
    expect(figureSize('x.png', png)).toEqual({ width: 640, height: 360 });
    // VP8X: 24-bit width-1 and height-1; VP8L: 14-bit fields after the 0x2f signature; VP8: after the key frame start code.
    expect(figureSize('x.webp', riff('VP8X', [0, 0, 0, 0, 0x7f, 0x02, 0, 0x67, 0x01, 0]))).toEqual({ width: 640, height: 360 });
    expect(figureSize('x.webp', riff('VP8L', [0x2f, 0x7f, 0xc2, 0x59, 0x00, 0, 0, 0, 0, 0]))).toEqual({ width: 640, height: 360 });
    expect(figureSize('x.webp', riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]))).toEqual({ width: 640, height: 360 });
    expect(figureSize('x.webp', riff('VP8 ', [0, 0, 0, 0, 0, 0, 0x80, 0x02, 0x68, 0x01]))).toBeUndefined();
  });

  it('publishes under a content-hashed name that changes with the bytes', () => {
    const one = hashedFigureName('security/oauth/flow.svg', svg('<rect/>'));
    expect(one).toMatch(/^figures\/flow-[A-Za-z0-9]{12}\.svg$/);
    expect(hashedFigureName('security/oauth/flow.svg', svg('<circle/>'))).not.toBe(one);
  });
});

describe('figures on the lesson page', () => {
  it('renders a published figure as an <img> with its hashed URL, alt text, intrinsic size, lazy loading and async decoding', () => {
    // Prepare
    const lesson = parseLesson('t/u/x.md', lessonSource({ id: 'x', track: 't', unit: 'u', prose: '\n![Tokens & "codes" in a flow](flow.svg "The flow")\n\n![Not published](other.svg)\n' }));
    const name = hashedFigureName('t/u/flow.svg', new Uint8Array([1, 2, 3]));

    // Act
    const html = renderLessonBody(lesson, { figures: (src) => (src === 'flow.svg' ? { url: figureUrl(name), width: 640, height: 360 } : undefined) });

    // Assess
    expect(html).toContain(`<img class="figure" src="/${name}" alt="Tokens &amp; &quot;codes&quot; in a flow" width="640" height="360" loading="lazy" decoding="async" title="The flow">`);
    // A reference that names no published figure keeps Markdown's own rendering.
    expect(html).toContain('<img src="other.svg" alt="Not published">');
  });
});
