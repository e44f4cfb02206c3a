import { describe, expect, it } from 'vitest';
import { checkFigureRefs, FIGURE_LIMITS, figureRefs, hashedFigureName } from '../../lambdas/domain/figures';
import { checkFigureBytes } from '../../lambdas/render';

const LESSON = 'security/oauth/why-oauth.md';
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
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

  it('publishes under a content-hashed name that changes with the bytes', () => {
    const one = hashedFigureName('security/oauth/flow.svg', svg('<rect/>'));
    expect(one).toMatch(/^figures\/flow-[A-Za-z0-9]{12}\.svg$/);
    expect(hashedFigureName('security/oauth/flow.svg', svg('<circle/>'))).not.toBe(one);
  });
});
