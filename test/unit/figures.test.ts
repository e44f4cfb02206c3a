import { describe, expect, it } from 'vitest';
import { checkFigureRefs, FIGURE_LIMITS, figureUrl, hashedFigureName, type FigureRef } from '../../lambdas/domain/figures';
import { parseLesson } from '../../lambdas/domain/lesson';
import { checkFigureBytes, figureRefs, figureSize, renderLessonBody } from '../../lambdas/render';
import { lessonSource } from '../fixtures/synthetic-catalog';

const LESSON = 'security/oauth/why-oauth.md';
/** The signature and IHDR chunk of a 640×360 PNG: all a size check reads. */
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 0x80, 0, 0, 1, 0x68, 8, 6, 0, 0, 0]);
const riff = (chunk: string, payload: number[]) => new Uint8Array([...new TextEncoder().encode(`RIFF\0\0\0\0WEBP${chunk}\0\0\0\0`), ...payload]);
const svg = (inner: string) => new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n${inner}\n</svg>\n`);

/** A lesson whose prose is `prose`, and the file line where that prose starts. */
const withProse = (prose: string) => {
  const source = lessonSource({ id: 'x', track: 't', unit: 'u', prose: `\n${prose}\n` });
  return { source, first: source.split('\n').indexOf(prose.split('\n')[0]!) + 1 };
};
const refsOf = (prose: string) => {
  const { source, first } = withProse(prose);
  return { refs: figureRefs(LESSON, source), first };
};
const ref = (alt: string, src: string, line: number, column = 1, title?: string): FigureRef => ({ alt, src, ...(title ? { title } : {}), line, column });

describe('figure references in a lesson', () => {
  it('finds ![alt](src) with its position and ignores fenced code and code spans', () => {
    const { refs, first } = refsOf('![The flow](flow.svg "PKCE")\n\n```md\n![](ignored.png)\n```\nInline `![](also-ignored.png)` here.');
    expect(refs).toEqual([ref('The flow', 'flow.svg', first, 1, 'PKCE')]);
  });

  it('reads a single-quoted title, brackets in the alt text and an alt text over two lines as the renderer does', () => {
    const { refs, first } = refsOf("![A](pkce-flow.svg 'T')\n\nSee ![A [x] B](f.svg) here.\n\n![Two\nlines](g.svg)");
    expect(refs).toEqual([ref('A', 'pkce-flow.svg', first, 1, 'T'), ref('A [x] B', 'f.svg', first + 2, 5), ref('Two\nlines', 'g.svg', first + 4)]);
  });

  it('resolves a reference-style image to the URL its definition names', () => {
    const { refs, first } = refsOf('![][r]\n\n[r]: https://tracker.example/p.png');
    expect(refs).toEqual([ref('', 'https://tracker.example/p.png', first)]);
  });

  it('takes no image in an indented code block for a figure', () => {
    expect(refsOf('Some prose.\n\n    ![x](code.svg)\n\nMore prose.').refs).toEqual([]);
  });

  it('finds images in callouts, quotes and exercise texts, at their own line', () => {
    const source = lessonSource({ id: 'x', track: 't', unit: 'u', prose: '\n> ![Quoted](q.svg)\n\n:::note\n![In a note](n.svg)\n:::\n', mcqPrompt: '"![In a prompt](p.svg) Which statement holds?"' });
    const lines = source.split('\n');
    const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    expect(figureRefs(LESSON, source).map((r) => `${r.src} ${r.line}:${r.column}`)).toEqual([`q.svg ${lineOf('(q.svg)')}:3`, `n.svg ${lineOf('(n.svg)')}:1`, `p.svg ${lineOf('(p.svg)')}:${lines[lineOf('(p.svg)') - 1]!.indexOf('![') + 1}`]);
  });

  it('requires alt text, a supported type, a file next to the lesson that exists, within the size limit', () => {
    // Prepare
    const body = ['![](flow.svg)', '![Chart](chart.gif)', '![Remote](https://example.com/a.png)', '![Missing](missing.png)', '![Big](big.png)', '![Fine](./fine.webp)'].join('\n\n');
    const sizes = new Map([
      ['security/oauth/flow.svg', 100],
      ['security/oauth/big.png', FIGURE_LIMITS.rasterBytes + 1],
      ['security/oauth/fine.webp', 2000],
    ]);
    const { refs, first } = refsOf(body);

    // Act
    const problems = checkFigureRefs(LESSON, refs, (key) => sizes.get(key));

    // Assess
    expect(problems.map((p) => `${p.line - first + 1}:${p.column} ${p.message}`)).toEqual([
      '1:1 figure "flow.svg" has no text alternative: write what it shows between the brackets, e.g. ![Sequence of the token exchange](flow.svg)',
      '3:1 figure "chart.gif" is not SVG, PNG or WebP: convert it to one of those (.svg, .png, .webp)',
      '5:1 figure "https://example.com/a.png" must be a file in the lesson\'s folder, named relative to it, e.g. (pkce-flow.svg)',
      '7:1 figure "missing.png" does not exist: add security/oauth/missing.png or fix the name',
      '9:1 figure "big.png" is 1025 KiB; the limit is 1024 KiB: compress or scale it down',
    ]);
  });

  it('refuses a remote reference-style image, a figure in a subfolder, names with other characters and upper-case extensions', () => {
    // Prepare
    const body = ['![Tracker][r]', '![Sub](img/x.svg)', '![Hash](a#b.svg)', '![Query](what?.svg)', '![Percent](100%.svg)', '![Shout](X.PNG)', '', '[r]: https://tracker.example/p.png'].join('\n\n');
    const { refs } = refsOf(body);

    // Act
    const problems = checkFigureRefs(LESSON, refs, () => 100);

    // Assess
    expect(problems.map((p) => p.message)).toEqual([
      'figure "https://tracker.example/p.png" must be a file in the lesson\'s folder, named relative to it, e.g. (pkce-flow.svg)',
      'figure "img/x.svg" is in a subfolder: figures sit next to the lesson that shows them; move the file into the lesson\'s folder and write (x.svg)',
      'figure "a#b.svg" has a file name with characters other than letters, digits, ".", "_" and "-": rename the file, e.g. to a-b.svg, and write (a-b.svg)',
      'figure "what?.svg" has a file name with characters other than letters, digits, ".", "_" and "-": rename the file, e.g. to what-.svg, and write (what-.svg)',
      'figure "100%.svg" has a file name with characters other than letters, digits, ".", "_" and "-": rename the file, e.g. to 100-.svg, and write (100-.svg)',
      'figure "X.PNG" has an upper-case extension: rename the file to X.png and write (X.png)',
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
    // A reference that names no published figure is shown as its text alternative, never as an image.
    expect(html).not.toContain('other.svg');
    expect(html).toContain('Not published');
    expect(html.match(/<img /g)).toHaveLength(1);
  });

  it('asks the resolver for exactly the images figureRefs finds, however they are written', () => {
    // Prepare: the shapes a line-by-line reader got wrong, in prose, a quote, a callout and an exercise
    const prose = "![A](t.svg 'T')\n\n![A [x] B](b.svg)\n\n![Two\nlines](l.svg)\n\n![][r]\n\n[r]: https://tracker.example/p.png\n\n    ![x](code.svg)\n\n> ![Q](q.svg)\n\n:::note\n![N](n.svg)\n:::";
    const source = lessonSource({ id: 'x', track: 't', unit: 'u', prose: `\n${prose}\n`, mcqPrompt: '"Which ![P](p.svg) holds?"' });
    const asked: string[] = [];

    // Act
    renderLessonBody(parseLesson('t/u/x.md', source), { figures: (src) => void asked.push(src) });

    // Assess
    expect(figureRefs('t/u/x.md', source).map((r) => r.src)).toEqual(asked);
    expect(asked).toEqual(['t.svg', 'b.svg', 'l.svg', 'https://tracker.example/p.png', 'q.svg', 'n.svg', 'p.svg']);
  });

  it('never writes an <img> for an image the figure resolver does not know, remote or reference-style', () => {
    const lesson = parseLesson('t/u/x.md', lessonSource({ id: 'x', track: 't', unit: 'u', prose: '\n![Tracker][r]\n\n![Remote](https://tracker.example/q.png)\n\n[r]: https://tracker.example/p.png\n' }));

    const html = renderLessonBody(lesson, { figures: () => undefined });

    expect(html).not.toMatch(/<img|tracker\.example/);
    expect(html).toContain('Tracker');
  });
});
