import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/paths';
import { png as pngOf, pngChunk, SVG_NS, vp8l, vp8x, webp } from '../support/figure-bytes';
import { checkFigureRefs, FIGURE_LIMITS, figureUrl, hashedFigureName, type FigureRef } from '../../lambdas/domain/figures';
import { parseLesson } from '../../lambdas/domain/lesson';
import { checkFigureBytes, figureRefs, figureSize, renderLessonBody, SVG_LIMITS } from '../../lambdas/render';
import { lessonSource } from '../fixtures/synthetic-catalog';

const LESSON = 'security/oauth/why-oauth.md';
/** A whole 640×360 PNG (signature, IHDR, IDAT, IEND, with their checksums). */
const png = pngOf(640, 360);
const riff = (chunk: string, payload: number[]) => new Uint8Array([...new TextEncoder().encode(`RIFF\0\0\0\0WEBP${chunk}\0\0\0\0`), ...payload]);
const svg = (inner: string) => new TextEncoder().encode(`<svg xmlns="${SVG_NS}" viewBox="0 0 10 10">\n${inner}\n</svg>\n`);

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
  it('accepts a whole PNG, a still WebP, a plain SVG and the PKCE lesson\'s figure', () => {
    expect(checkFigureBytes('a/b/x.png', png)).toEqual([]);
    expect(checkFigureBytes('a/b/x.webp', webp('VP8L', vp8l(640, 360)))).toEqual([]);
    expect(checkFigureBytes('a/b/x.svg', svg('<rect id="r" width="5" height="5"/><use href="#r" x="5"/>'))).toEqual([]);
    expect(checkFigureBytes('security/oauth/pkce-flow.svg', readFileSync(join(repoRoot, 'content/security/oauth/pkce-flow.svg')))).toEqual([]);
  });

  it('rejects bytes that are not what the name says', () => {
    expect(checkFigureBytes('a/b/x.png', new TextEncoder().encode('GIF89a'))[0]?.message).toMatch(/^this \.png file is not a PNG image/);
    expect(checkFigureBytes('a/b/x.webp', png)[0]?.message).toMatch(/^this \.webp file is not a WebP image/);
  });

  it('rejects a figure whose size cannot be read: an SVG needs a viewBox or a width and height', () => {
    expect(checkFigureBytes('a/b/x.svg', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg">\n<rect/></svg>')).map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '1:1 this SVG has no size: give its <svg> element a viewBox (e.g. viewBox="0 0 640 360") or a width and height in pixels, so the page can reserve its space',
    ]);
  });

  it('reads the intrinsic size of SVG (width/height, else viewBox), PNG and the three WebP kinds', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(figureSize('x.svg', text(`<svg xmlns="${SVG_NS}" width="400px" height="200" viewBox="0 0 10 10"/>`))).toEqual({ width: 400, height: 200 });
    expect(figureSize('x.svg', text(`<svg xmlns="${SVG_NS}" width="100%" viewBox="0,0,640.4,359.6"/>`))).toEqual({ width: 640, height: 360 });
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

/** Each problem of an SVG figure as `line:col message`, the message cut at its first colon. */
const svgProblems = (inner: string) => checkFigureBytes('a/b/x.svg', svg(inner)).map((p) => `${p.line}:${p.column} ${p.message.split(': ')[0]}`);

describe('SVG figures hold only inert drawing features', () => {
  it('rejects script, foreign content and external references at their line', () => {
    expect(svgProblems('<script>alert(1)</script>\n<foreignObject></foreignObject>\n<image href="https://evil.example/x.png"/>')).toEqual([
      '2:1 SVG figures may not contain a <script> element',
      '3:1 SVG figures may not contain a <foreignObject> element',
      '4:1 SVG figures may not contain an <image> element',
    ]);
  });

  it('rejects elements with a namespace prefix, even when the prefix names SVG itself', () => {
    expect(svgProblems(`<s:script xmlns:s="${SVG_NS}">alert(1)</s:script>`)).toEqual(['2:1 SVG figures may not contain the prefixed element <s:script>']);
    expect(svgProblems(`<s:foreignObject xmlns:s="${SVG_NS}"><p>hi</p></s:foreignObject>`)).toEqual(['2:1 SVG figures may not contain the prefixed element <s:foreignObject>']);
  });

  it('rejects an XHTML meta refresh, prefixed or by a default namespace', () => {
    expect(svgProblems('<h:meta xmlns:h="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=https://evil.example"/>')).toEqual([
      '2:1 SVG figures may not contain the prefixed element <h:meta>',
    ]);
    expect(svgProblems('<g xmlns="http://www.w3.org/1999/xhtml"><meta http-equiv="refresh" content="0;url=https://evil.example"/></g>')).toEqual([
      '2:4 xmlns="http://www.w3.org/1999/xhtml" switches to another vocabulary',
      '2:41 SVG figures may not contain a <meta> element',
    ]);
  });

  it('rejects event handlers in any case, and any attribute not on the allow list', () => {
    expect(svgProblems('<rect onclick="x()"/>\n<rect ONLOAD="x()"/>\n<rect onMouseOver="x()"/>\n<rect data-x="1"/>')).toEqual([
      '2:7 SVG figures may not contain an event handler attribute (onclick=…)',
      '3:7 SVG figures may not contain an event handler attribute (ONLOAD=…)',
      '4:7 SVG figures may not contain an event handler attribute (onMouseOver=…)',
      '5:7 SVG figures may not contain the attribute data-x on <rect>',
    ]);
  });

  it('allows only references to a part of the same figure, in href and in url(…), however they are spelled', () => {
    expect(svgProblems('<use href="https://evil.example/a.svg#x"/>')).toEqual(['2:6 SVG figures may not contain a reference to another file or site (href="https://evil.example/a.svg#x")']);
    expect(svgProblems('<rect fill="url(https://evil.example/p.svg#g)"/>')).toEqual(['2:7 SVG figures may not contain a reference to another file or site (fill']);
    expect(svgProblems('<rect style="fill: URL(\'//evil.example/p\')"/>')).toEqual(['2:7 SVG figures may not contain a reference to another file or site (fill']);
    // Character references are decoded before the check, and CSS escapes are refused outright.
    expect(svgProblems('<rect fill="&#117;rl(//evil.example/p)"/>')).toEqual(['2:7 SVG figures may not contain a reference to another file or site (fill']);
    expect(svgProblems('<rect style="fill: \\75 rl(//evil.example/p)"/>')).toEqual(['2:7 the value of fill holds "\\", which SVG drawing values never need']);
    expect(svgProblems('<rect style="behavior: url(#x)"/>\n<linearGradient id="g"/><rect fill="image-set(\'a.png\' 1x)"/>')).toEqual([
      '2:7 style property "behavior" is not allowed in SVG figures',
      '3:31 fill may not call image-set(…) in SVG figures',
    ]);
    expect(svgProblems('<a href="#x"><text>go</text></a>')[0]).toBe('2:1 SVG figures may not contain an <a> element');
  });

  it('refuses a DOCTYPE, entities it does not know, CDATA and processing instructions', () => {
    const whole = (text: string) => checkFigureBytes('a/b/x.svg', new TextEncoder().encode(text)).map((p) => `${p.line}:${p.column} ${p.message.split(': ')[0]}`);
    expect(whole(`<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY lol "lol">]>\n<svg xmlns="${SVG_NS}" viewBox="0 0 1 1"/>`)).toEqual(['2:1 SVG figures may not contain a <!DOCTYPE> declaration (it can define entities and load other files)']);
    expect(svgProblems('<text>a &lol; b</text>')).toEqual(['2:9 "&lol;" is not an entity SVG figures may use']);
    expect(svgProblems('<text><![CDATA[x]]></text>')).toEqual(['2:7 SVG figures may not contain a CDATA section']);
    expect(whole(`<?xml-stylesheet href="https://evil.example/a.css"?>\n<svg xmlns="${SVG_NS}" viewBox="0 0 1 1"/>`)).toEqual(['1:1 SVG figures may not contain a processing instruction (<?…?>, such as xml-stylesheet)']);
    expect(svgProblems('<text>&valueOf;</text>')).toEqual(['2:7 "&valueOf;" is not an entity SVG figures may use']);
    expect(checkFigureBytes('a/b/x.svg', svg('<toString/>'))[0]?.message).toMatch(/^SVG figures may not contain a <toString> element: remove it; figures may use only svg, g/);
    // Predefined entities and character references are plain text.
    expect(svgProblems('<text>a &amp; b &lt; c &#x2192; d</text>')).toEqual([]);
  });

  it('refuses animation, which could retarget an href after the check', () => {
    expect(svgProblems('<set attributeName="href" to="https://evil.example"/>\n<animate attributeName="href" values="https://evil.example"/>')).toEqual([
      '2:1 SVG figures may not contain a <set> element',
      '3:1 SVG figures may not contain an <animate> element',
    ]);
  });

  it('refuses markup that is not well-formed, naming the place', () => {
    expect(svgProblems('<g><rect></g>')).toEqual(['2:10 this SVG cannot be read as plain SVG']);
    expect(svgProblems('<rect width=5/>')).toEqual(['2:13 this SVG cannot be read as plain SVG']);
  });
});

describe('SVG figures cannot multiply their own drawing cost', () => {
  /** The reviewer's bomb: `levels` groups, each holding `fan` <use> of the group before (fan^levels copies). */
  const useBomb = (levels: number, fan: number) => {
    let defs = '<rect id="l0" width="1" height="1"/>';
    for (let l = 1; l <= levels; l++) defs += `<g id="l${l}">${Array.from({ length: fan }, () => `<use href="#l${l - 1}"/>`).join('')}</g>`;
    return `<defs>${defs}</defs><use href="#l${levels}"/>`;
  };

  it('rejects a <use> inside a reused part (the nested-use bomb), once with a count', () => {
    // Prepare: 6 levels of 10, about a million copies from 1.6 KB.
    const problems = checkFigureBytes('a/b/x.svg', svg(useBomb(6, 10)));

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/^<use> inside a part that is reused \(a <use> target, marker or clipPath\) would multiply the copies drawn: write the shapes out instead \(and 59 more like it\)$/);
  });

  it('counts every copy a flat <use>, marker or clip path draws against the limit', () => {
    // Prepare: 400 uses of a group of 100 rectangles = 40,000 drawn elements, with no nesting at all.
    const group = `<g id="g">${'<rect width="1" height="1"/>'.repeat(100)}</g>`;
    const uses = '<use href="#g"/>'.repeat(400);

    // Act
    const problems = checkFigureBytes('a/b/x.svg', svg(`<defs>${group}</defs>${uses}`));

    // Assess
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(new RegExp(`^this SVG draws \\d+ elements .*; the limit is ${SVG_LIMITS.drawn}: `))]);
  });

  it('caps the number of <use> and of elements, and refuses marker-mid and a <use> of its own ancestor', () => {
    expect(checkFigureBytes('a/b/x.svg', svg('<rect id="r"/>' + '<use href="#r"/>'.repeat(SVG_LIMITS.uses + 1)))[0]?.message).toMatch(/<use> elements; the limit is 500/);
    expect(checkFigureBytes('a/b/x.svg', svg('<rect/>'.repeat(SVG_LIMITS.elements)))[0]?.message).toMatch(/^this SVG has more than 10000 elements, the limit: simplify it/);
    expect(svgProblems('<marker id="m"><path d="M0 0"/></marker><path d="M0 0 L1 1 L2 0" marker-mid="url(#m)"/>')).toEqual(['2:66 SVG figures may not use marker-mid or the marker shorthand (a mark at every corner multiplies the drawing)']);
    expect(svgProblems('<g id="a"><use href="#a"/></g>')).toEqual(['2:16 <use> points to #a, which contains the <use> itself', '2:11 <use> inside a part that is reused (a <use> target, marker or clipPath) would multiply the copies drawn'].sort());
  });
});

describe('raster figures are whole and of a size a browser decodes cheaply', () => {
  it('rejects a PNG whose header claims more pixels than the limits, however small the file', () => {
    expect(checkFigureBytes('a/b/x.png', pngOf(40_000, 40_000))[0]?.message).toBe(
      'this .png image is 40000×40000 pixels; figures may be at most 8192 pixels on a side and 16 megapixels in all: scale it down (the page shows it at most as wide as the text column)',
    );
    expect(checkFigureBytes('a/b/x.png', pngOf(8192, 2049))[0]?.message).toMatch(/^this \.png image is 8192×2049 pixels/);
    expect(checkFigureBytes('a/b/x.png', pngOf(8192, 2048))).toEqual([]);
  });

  it('rejects a PNG cut short: no IDAT, no IEND, a bad checksum, bytes after IEND, IHDR not first, animation', () => {
    const header = pngOf(16, 16);
    const idat = pngChunk('IDAT', [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    const message = (bytes: Uint8Array) => checkFigureBytes('a/b/x.png', bytes)[0]?.message;
    expect(message(pngOf(16, 16, { chunks: [] }))).toBe('this .png file is damaged or cut short (it has no image data (IDAT)): export it again as PNG');
    expect(message(pngOf(16, 16, { chunks: [idat] }))).toMatch(/\(it does not end with an IEND chunk\)/);
    expect(message(header.slice(0, header.length - 20))).toMatch(/cut short/);
    const badCrc = header.slice();
    badCrc[29] = badCrc[29]! ^ 0xff;
    expect(message(badCrc)).toMatch(/the IHDR chunk's checksum is wrong/);
    expect(message(new Uint8Array([...header, 0]))).toMatch(/bytes after the IEND chunk/);
    expect(message(new Uint8Array([...header.slice(0, 8), ...idat]))).toMatch(/the first chunk is not IHDR/);
    expect(message(pngOf(16, 16, { chunks: [pngChunk('acTL', [0, 0, 0, 2, 0, 0, 0, 0]), idat, pngChunk('IEND', [])] }))).toMatch(/^this \.png file is an animated PNG/);
  });

  it('rejects a WebP whose RIFF size is not the file\'s, whose chunks overrun, that is animated or too large', () => {
    const message = (bytes: Uint8Array) => checkFigureBytes('a/b/x.webp', bytes)[0]?.message;
    const still = webp('VP8L', vp8l(640, 360));
    expect(message(still.slice(0, still.length - 2))).toMatch(/^this \.webp file is damaged or cut short \(its RIFF header gives 30 bytes, the file has 28\)/);
    expect(message(webp('VP8X', vp8x(40_000, 40_000), 'VP8L', vp8l(16, 16)))).toMatch(/^this \.webp image is 40000×40000 pixels/);
    expect(message(webp('VP8X', vp8x(640, 360, 0x02), 'ANIM', [0, 0, 0, 0, 0, 0]))).toMatch(/^this \.webp file is an animated WebP/);
    expect(message(webp('VP8X', vp8x(640, 360)))).toMatch(/it holds no image data/);
    expect(message(webp('VP8L', vp8l(16384, 16384)))).toMatch(/^this \.webp image is 16384×16384 pixels/);
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

describe('how many figures one lesson may show', () => {
  it('reports the first figure past 50 different ones, once, and reads no more than 50', () => {
    // Prepare: 52 different figures (and one shown twice)
    const refs: FigureRef[] = Array.from({ length: 52 }, (_, i) => ({ alt: `Figure ${i}`, src: `f${i}.svg`, line: i + 1, column: 1 }));
    refs.push({ alt: 'Again', src: 'f0.svg', line: 60, column: 1 });

    // Act
    const problems = checkFigureRefs(LESSON, refs, () => 100).filter((p) => /more than 50/.test(p.message));

    // Assess
    expect(problems).toEqual([{ line: 51, column: 1, message: expect.stringContaining('this is figure 51') }]);
    expect(FIGURE_LIMITS.perLesson).toBe(50);
  });
});

describe('SVG drawing cost the reuse counts cannot see', () => {
  const messagesOf = (inner: string) => checkFigureBytes('a/b/x.svg', svg(inner)).map((p) => p.message);

  it('refuses a clip path that is itself clipped (a chain applied once per element it reaches)', () => {
    const chain = '<defs><clipPath id="c0" clip-path="url(#c1)"><rect width="5" height="5"/></clipPath><clipPath id="c1"><rect width="4" height="4"/></clipPath></defs>';
    expect(messagesOf(`${chain}<rect width="9" height="9" clip-path="url(#c0)"/>`).join('\n')).toMatch(/<clipPath> inside a part that is reused/);
    expect(messagesOf('<defs><clipPath id="c"><rect width="5" height="5"/></clipPath></defs><rect width="9" height="9" clip-path="url(#c)"/>')).toEqual([]);
  });

  it('refuses a <use> target that carries a clip path of its own', () => {
    const parts = '<defs><clipPath id="c"><rect width="5" height="5"/></clipPath><g id="t" clip-path="url(#c)"><rect width="9" height="9"/></g></defs>';
    expect(messagesOf(`${parts}<use href="#t"/><use href="#t" x="1"/>`).join('\n')).toMatch(/<g> inside a part that is reused/);
  });

  it('refuses dash patterns too fine for the picture and pathLength, which rescales any pattern', () => {
    expect(messagesOf('<circle r="4" stroke="#000" stroke-dasharray="0.01"/>').join('\n')).toMatch(/too fine for this picture/);
    expect(messagesOf('<circle r="4" stroke="#000" style="stroke-dasharray:0.01 0.01"/>').join('\n')).toMatch(/too fine for this picture/);
    expect(messagesOf('<circle r="4" stroke="#000" stroke-dasharray="calc(1px)"/>').join('\n')).toMatch(/must be plain lengths/);
    expect(messagesOf('<circle r="4" stroke="#000" pathLength="1" stroke-dasharray="1"/>').join('\n')).toMatch(/attribute pathLength/);
    expect(messagesOf('<circle r="4" stroke="#000" stroke-dasharray="1 0.5"/>')).toEqual([]);
    expect(messagesOf('<circle r="4" stroke="#000" stroke-dasharray="none"/>')).toEqual([]);
  });
});
