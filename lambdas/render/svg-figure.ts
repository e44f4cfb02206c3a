import { positionsOf } from '../domain/positions';

/**
 * What an SVG figure may hold, read by a strict tokenizer of its own rather than a list of patterns
 * to refuse: every element, attribute, style property, function and reference must be on an allow
 * list of inert drawing features, and anything the tokenizer does not understand (a DOCTYPE, a
 * namespace prefix, a processing instruction, an entity it does not know) is refused. A picture is
 * shapes, text and gradients; nothing in it may run, navigate, load another file or multiply its
 * own cost (each `<use>`, marker and clip path is counted as the copies it draws).
 */

export interface SvgProblem {
  line: number;
  column: number;
  message: string;
}

export const SVG_LIMITS = {
  /** Elements written in the file. */
  elements: 10_000,
  /** `<use>` elements. */
  uses: 500,
  /** Elements drawn, counting every copy a `<use>`, marker or clip path makes. */
  drawn: 20_000,
  /** Element nesting. */
  depth: 64,
  /** Problems reported for one file before the rest are summed up. */
  problems: 20,
} as const;

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

const ELEMENTS = new Set([
  'svg', 'g', 'defs', 'title', 'desc', 'symbol', 'use',
  'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon',
  'text', 'tspan', 'textPath', 'marker', 'linearGradient', 'radialGradient', 'stop', 'clipPath',
]);
/** Elements whose character data is shown or read out; elsewhere only white space may stand between tags. */
const TEXT_ELEMENTS = new Set(['text', 'tspan', 'textPath', 'title', 'desc']);
const MARKABLE = new Set(['path', 'line', 'polyline', 'polygon']);
const HREF_ELEMENTS = new Set(['use', 'textPath', 'linearGradient', 'radialGradient']);

/** What to write instead of an element that is not allowed. */
const ELEMENT_ADVICE: Record<string, string> = {
  script: 'figures are pictures, not programs',
  foreignObject: 'draw the content with SVG shapes and <text>',
  style: 'write the rules as attributes on the shapes (fill="…", stroke="…") or as style="…" on each',
  a: 'figures are shown as images, so links in them never work; put the link in the lesson text',
  image: 'save the picture as its own PNG or WebP figure, or draw it in SVG',
  pattern: 'draw the shapes out, or use a gradient',
  mask: 'use a clipPath, or draw the visible part',
  filter: 'export the effect as a PNG or WebP figure, or leave it out',
  switch: 'keep only the SVG branch',
  iframe: 'figures are pictures, not documents',
  animate: 'figures are still pictures; draw the final state',
  set: 'figures are still pictures; draw the final state',
  animateTransform: 'figures are still pictures; draw the final state',
  animateMotion: 'figures are still pictures; draw the final state',
  metadata: "remove it (svgo and Inkscape's Optimized SVG leave it out)",
};
const DEFAULT_ADVICE = 'remove it; figures may use only svg, g, defs, symbol, use, title, desc, path, rect, circle, ellipse, line, polyline, polygon, text, tspan, textPath, marker, linearGradient, radialGradient, stop and clipPath';

/** Presentation properties: allowed as attributes and inside style="…". */
const PRESENTATION = new Set([
  'fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-linecap', 'stroke-linejoin',
  'stroke-miterlimit', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-opacity', 'opacity', 'color',
  'display', 'visibility', 'font-family', 'font-size', 'font-style', 'font-variant', 'font-weight',
  'font-stretch', 'text-anchor', 'dominant-baseline', 'alignment-baseline', 'baseline-shift',
  'letter-spacing', 'word-spacing', 'text-decoration', 'writing-mode', 'direction', 'unicode-bidi',
  'clip-path', 'clip-rule', 'marker-start', 'marker-end', 'stop-color', 'stop-opacity',
  'shape-rendering', 'text-rendering', 'color-interpolation', 'paint-order', 'vector-effect',
  'overflow', 'transform-origin',
]);
const STYLE_ONLY = new Set(['font', 'white-space', 'line-height']);
const ATTRIBUTES = new Set([
  ...PRESENTATION,
  'id', 'class', 'style', 'transform', 'x', 'y', 'width', 'height', 'rx', 'ry', 'cx', 'cy', 'r',
  'x1', 'y1', 'x2', 'y2', 'points', 'd', 'dx', 'dy', 'rotate', 'viewBox', 'preserveAspectRatio',
  'refX', 'refY', 'markerWidth', 'markerHeight', 'markerUnits', 'orient',
  'gradientUnits', 'gradientTransform', 'spreadMethod', 'fx', 'fy', 'fr', 'offset', 'clipPathUnits',
  'startOffset', 'method', 'spacing', 'lengthAdjust', 'textLength', 'version', 'lang',
  'baseProfile', 'role', 'aria-label', 'aria-labelledby', 'aria-describedby', 'aria-hidden', 'focusable',
  'href', 'xlink:href', 'xml:space', 'xml:lang', 'xmlns', 'xmlns:xlink',
]);
/** Free text, where parentheses are words, not functions. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'font-family']);
const FUNCTIONS = new Set(['url', 'rgb', 'rgba', 'hsl', 'hsla']);
const TRANSFORMS = new Set(['matrix', 'translate', 'scale', 'rotate', 'skewX', 'skewY']);
const FRAGMENT = /^#[A-Za-z_][\w.:-]*$/;
const MARKER_MID = 'SVG figures may not use marker-mid or the marker shorthand (a mark at every corner multiplies the drawing): use marker-start and marker-end';
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface Attribute {
  name: string;
  value: string;
  at: number;
}

interface Element {
  name: string;
  attributes: Map<string, Attribute>;
  children: Element[];
  parent?: Element;
  at: number;
}

/** A problem that ends reading: the rest of the file cannot be trusted to mean what it seems. */
class Unreadable extends Error {
  constructor(
    readonly at: number,
    readonly detail: string,
    /** A rule refused it (the message is complete), rather than the syntax being broken. */
    readonly refused = false,
  ) {
    super(detail);
  }
}

const NAME = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;
const SPACE = /[ \t\r\n]*/y;

export interface SvgReading {
  problems: SvgProblem[];
  /** The root element's attributes, for the figure's size; undefined when the file cannot be read. */
  root?: ReadonlyMap<string, string>;
}

/** Reads an SVG figure and lists everything in it that is not an inert drawing feature. */
export function readSvgFigure(text: string): SvgReading {
  const position = positionsOf(text);
  const found: { at: number; message: string }[] = [];
  const refuse = (at: number, message: string) => found.push({ at, message });

  let root: Element | undefined;
  try {
    root = tokenize(text, refuse);
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    refuse(error.at, error.refused ? error.detail : `this SVG cannot be read as plain SVG: ${error.detail}; export it again as plain SVG (svgo, or Inkscape's Optimized SVG)`);
  }
  if (root) judgeTree(root, refuse);

  // One problem per kind, at its first place, saying how often it recurs.
  found.sort((a, b) => a.at - b.at);
  const kinds = new Map<string, { at: number; message: string; times: number }>();
  for (const { at, message } of found) {
    const kind = kinds.get(message);
    if (kind) kind.times++;
    else kinds.set(message, { at, message, times: 1 });
  }
  const distinct = [...kinds.values()];
  const problems = distinct.slice(0, SVG_LIMITS.problems).map(({ at, message, times }) => ({ ...position(at), message: times > 1 ? `${message} (and ${times - 1} more like it)` : message }));
  if (distinct.length > SVG_LIMITS.problems) {
    const next = distinct[SVG_LIMITS.problems]!;
    problems.push({ ...position(next.at), message: `and ${distinct.length - SVG_LIMITS.problems} more kinds of problem in this SVG: fix the ones above and check again` });
  }
  return { problems, root: root && found.length === 0 ? new Map([...root.attributes].map(([k, a]) => [k, a.value])) : undefined };
}

/** Turns the text into an element tree, refusing every construct that is not plain SVG markup. */
function tokenize(text: string, refuse: (at: number, message: string) => void): Element | undefined {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Element[] = [];
  let root: Element | undefined;
  let elements = 0;
  const skipSpace = () => {
    SPACE.lastIndex = pos;
    SPACE.exec(text);
    pos = SPACE.lastIndex;
  };
  const name = () => {
    NAME.lastIndex = pos;
    const match = NAME.exec(text);
    if (!match) throw new Unreadable(pos, 'a tag name was expected here');
    pos = NAME.lastIndex;
    return match[0];
  };

  if (text.startsWith('<?xml', pos) && /\s/.test(text[pos + 5] ?? '')) {
    const end = text.indexOf('?>', pos);
    if (end < 0) throw new Unreadable(pos, 'the XML declaration is not closed with ?>');
    const declaration = text.slice(pos + 5, end);
    const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(declaration)?.[1];
    if (encoding && !/^utf-?8$/i.test(encoding)) refuse(pos, `this SVG declares the encoding "${encoding}": save it as UTF-8 and write encoding="UTF-8" (or no encoding)`);
    pos = end + 2;
  }

  while (pos < text.length) {
    const at = pos;
    if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end < 0) throw new Unreadable(at, 'a comment is not closed with -->');
      if (text.slice(pos + 4, end).includes('--')) throw new Unreadable(at, 'a comment holds "--", which XML does not allow inside comments');
      pos = end + 3;
      continue;
    }
    if (text.startsWith('<!', pos)) {
      const what = /^<!(DOCTYPE|ENTITY|\[CDATA\[)/i.exec(text.slice(pos, pos + 10))?.[1]?.toUpperCase();
      if (what === 'DOCTYPE' || what === 'ENTITY') throw new Unreadable(at, `SVG figures may not contain a <!${what}> declaration (it can define entities and load other files): delete it, SVG needs none`, true);
      if (what === '[CDATA[') throw new Unreadable(at, 'SVG figures may not contain a CDATA section: write the text with &lt; and &amp; instead', true);
      throw new Unreadable(at, 'a markup declaration (<!…) was found; delete it');
    }
    if (text.startsWith('<?', pos)) throw new Unreadable(at, 'SVG figures may not contain a processing instruction (<?…?>, such as xml-stylesheet): delete it', true);
    if (text.startsWith('</', pos)) {
      pos += 2;
      const closing = name();
      skipSpace();
      if (text[pos] !== '>') throw new Unreadable(pos, `the end tag </${closing}> is not closed with >`);
      pos++;
      const open = stack.pop();
      if (!open || open.name !== closing) throw new Unreadable(at, open ? `</${closing}> closes <${open.name}>; close <${open.name}> first` : `</${closing}> closes nothing`);
      continue;
    }
    if (text[pos] === '<') {
      pos++;
      const element: Element = { name: name(), attributes: new Map(), children: [], at, parent: stack.at(-1) };
      if (root && stack.length === 0) throw new Unreadable(at, 'there is more than one root element; keep everything inside one <svg>');
      if (++elements > SVG_LIMITS.elements) throw new Unreadable(at, `this SVG has more than ${SVG_LIMITS.elements} elements, the limit: simplify it (merge paths, remove hidden layers)`, true);
      if (stack.length >= SVG_LIMITS.depth) throw new Unreadable(at, `elements are nested more than ${SVG_LIMITS.depth} deep, the limit: flatten the groups`, true);
      for (;;) {
        const before = pos;
        skipSpace();
        if (text.startsWith('/>', pos) || text[pos] === '>') break;
        if (pos === before) throw new Unreadable(pos, `a space, > or /> was expected in <${element.name}>`);
        const attrAt = pos;
        const attrName = name();
        skipSpace();
        if (text[pos] !== '=') throw new Unreadable(pos, `the attribute ${attrName} has no ="value"`);
        pos++;
        skipSpace();
        const quote = text[pos];
        if (quote !== '"' && quote !== "'") throw new Unreadable(pos, `the value of ${attrName} must be quoted`);
        const end = text.indexOf(quote, pos + 1);
        if (end < 0) throw new Unreadable(pos, `the value of ${attrName} is not closed`);
        const raw = text.slice(pos + 1, end);
        if (raw.includes('<')) throw new Unreadable(pos, `the value of ${attrName} holds "<"; write &lt;`);
        if (element.attributes.has(attrName)) throw new Unreadable(attrAt, `the attribute ${attrName} is written twice`);
        element.attributes.set(attrName, { name: attrName, value: decodeReferences(raw, pos + 1), at: attrAt });
        pos = end + 1;
      }
      element.parent?.children.push(element);
      root ??= element;
      if (text.startsWith('/>', pos)) pos += 2;
      else {
        pos++;
        stack.push(element);
      }
      continue;
    }
    const end = text.indexOf('<', pos);
    const data = text.slice(pos, end < 0 ? text.length : end);
    decodeReferences(data, pos);
    const parent = stack.at(-1);
    // Inside an element already refused, its text is part of that refusal.
    if (/\S/.test(data) && !(parent && (TEXT_ELEMENTS.has(parent.name) || !ELEMENTS.has(parent.name)))) {
      refuse(pos + data.search(/\S/), parent ? `text directly inside <${parent.name}> is not shown: put it in a <text> element` : 'text outside the <svg> element: delete it');
    }
    pos = end < 0 ? text.length : end;
  }
  if (stack.length > 0) throw new Unreadable(stack.at(-1)!.at, `<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Unreadable(0, 'there is no <svg> element');
  return root;
}

/** Resolves the five predefined entities and numeric character references; any other `&` is refused. */
function decodeReferences(raw: string, at: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, body: string, offset: number) => {
    if (whole.endsWith(';')) {
      if (Object.hasOwn(ENTITIES, body)) return ENTITIES[body]!;
      const code = /^#x[0-9a-f]{1,6}$/i.test(body) ? Number.parseInt(body.slice(2), 16) : /^#\d{1,7}$/.test(body) ? Number(body.slice(1)) : undefined;
      if (code !== undefined && code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw new Unreadable(at + offset, `"${whole.slice(0, 12)}" is not an entity SVG figures may use: write &amp; for "&", or &lt; &gt; &quot; &apos; &#…;`, true);
  });
}

/** The allow lists, the references and the copies, over the whole tree. */
function judgeTree(root: Element, refuse: (at: number, message: string) => void): void {
  const all: Element[] = [];
  const walk = (e: Element) => {
    all.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  if (root.name !== 'svg') refuse(root.at, `the root element is <${root.name}>; an SVG figure starts with <svg xmlns="${SVG_NS}">`);
  if (root.attributes.get('xmlns')?.value !== SVG_NS) refuse(root.at, `the <svg> element needs xmlns="${SVG_NS}"`);

  const ids = new Map<string, Element>();
  for (const e of all) {
    const id = e.attributes.get('id')?.value;
    if (id !== undefined && !ids.has(id)) ids.set(id, e);
  }
  const refTarget = (value: string) => ids.get(value.slice(1));

  // An element refused is refused with everything inside it: one problem, not one per descendant.
  const refused = new Set<Element>();
  for (const e of all) {
    if (e.parent && refused.has(e.parent)) {
      refused.add(e);
      continue;
    }
    if (e.name.includes(':') || !ELEMENTS.has(e.name)) refused.add(e);
    if (e.name.includes(':')) {
      refuse(e.at, `SVG figures may not contain the prefixed element <${e.name}>: write plain SVG elements with no namespace prefix (svgo and Inkscape's Optimized SVG drop editor data)`);
      continue;
    }
    if (!ELEMENTS.has(e.name)) {
      // Own keys only: an element named <constructor> must not find Object's.
      const advice = Object.hasOwn(ELEMENT_ADVICE, e.name) ? ELEMENT_ADVICE[e.name]! : /^fe[A-Z]/.test(e.name) ? ELEMENT_ADVICE.filter! : DEFAULT_ADVICE;
      refuse(e.at, `SVG figures may not contain ${/^[aeiou]/i.test(e.name) ? 'an' : 'a'} <${e.name}> element: ${advice}`);
      continue;
    }
    for (const attribute of e.attributes.values()) judgeAttribute(e, attribute, root, refuse);
  }

  // References: each names an element of this file, and reused parts hold no further reuse.
  const uses = all.filter((e) => e.name === 'use');
  if (uses.length > SVG_LIMITS.uses) refuse(uses[SVG_LIMITS.uses]!.at, `this SVG has ${uses.length} <use> elements; the limit is ${SVG_LIMITS.uses}: write the shapes out or simplify the picture`);
  // Memoized: a file may hold thousands of <use> of one large group.
  const sizes = new Map<Element, number>();
  const size = (e: Element): number => sizes.get(e) ?? sizes.set(e, 1 + e.children.reduce((n, c) => n + size(c), 0)).get(e)!;
  const markables = new Map<Element, number>();
  const markableIn = (e: Element): number => markables.get(e) ?? markables.set(e, (MARKABLE.has(e.name) ? 1 : 0) + e.children.reduce((n, c) => n + markableIn(c), 0)).get(e)!;
  const reused = new Set<Element>(all.filter((e) => e.name === 'marker' || e.name === 'clipPath'));
  let drawn = all.length;
  let markable = markableIn(root);
  for (const use of uses) {
    const href = use.attributes.get('href') ?? use.attributes.get('xlink:href');
    const target = href && FRAGMENT.test(href.value) ? refTarget(href.value) : undefined;
    if (!href) refuse(use.at, '<use> has no href: point it at a shape of this figure, e.g. href="#box"');
    else if (FRAGMENT.test(href.value) && !target) refuse(href.at, `<use> points to ${href.value}, which is not in this figure: give the shape id="${href.value.slice(1)}" or fix the reference`);
    if (!target) continue;
    for (let up: Element | undefined = use; up; up = up.parent) {
      if (up === target) refuse(href!.at, `<use> points to ${href!.value}, which contains the <use> itself: point it at a shape outside it`);
    }
    reused.add(target);
    drawn += size(target);
    markable += markableIn(target);
  }
  let markerRefs = 0;
  let largestMarker = 0;
  for (const e of all) {
    for (const [property, value] of references(e)) {
      const target = refTarget(value);
      if (!target) continue;
      if (property === 'clip-path') drawn += size(target);
      if (property.startsWith('marker')) {
        markerRefs++;
        largestMarker = Math.max(largestMarker, size(target));
      }
    }
  }
  // A marker is drawn at both ends of every line and path that inherits it: counted as if all did.
  if (markerRefs > 0) drawn += markable * 2 * largestMarker;
  for (const part of reused) {
    // Nothing in a reused part, the part included, may reuse again: a clip path that is itself
    // clipped, or a <use> target carrying one, is applied once per element or copy it reaches,
    // so chains multiply the drawing beyond what is counted above.
    const reuses = (x: Element) => x.name === 'use' || references(x).some(([p]) => p === 'clip-path' || p.startsWith('marker'));
    const nested = [part].flatMap(function inner(x): Element[] {
      return [...(reuses(x) ? [x] : []), ...x.children.flatMap(inner)];
    });
    for (const x of nested) refuse(x.at, `<${x.name}> inside a part that is reused (a <use> target, marker or clipPath) would multiply the copies drawn: write the shapes out instead`);
  }
  if (drawn > SVG_LIMITS.drawn) refuse(root.at, `this SVG draws ${drawn} elements once every <use>, marker and clip path is counted; the limit is ${SVG_LIMITS.drawn}: write fewer copies or simplify the picture`);
}

/** An element's `url(#id)` references by property: from its attributes and its style="…". */
function references(e: Element): [string, string][] {
  const found: [string, string][] = [];
  const add = (property: string, value: string) => {
    for (const { target } of calls(value)) if (target?.startsWith('#')) found.push([property, target]);
  };
  for (const a of e.attributes.values()) {
    if (a.name === 'style') for (const [p, v] of declarations(a.value)) add(p, v);
    else add(a.name, a.value);
  }
  return found;
}

function declarations(style: string): [string, string][] {
  return style
    .split(';')
    .filter((d) => d.trim() !== '')
    .map((d) => {
      const colon = d.indexOf(':');
      return colon < 0 ? [d.trim(), ''] : [d.slice(0, colon).trim(), d.slice(colon + 1).trim()];
    });
}

function judgeAttribute(e: Element, a: Attribute, root: Element, refuse: (at: number, message: string) => void): void {
  if (/^on/i.test(a.name)) return void refuse(a.at, `SVG figures may not contain an event handler attribute (${a.name}=…): remove it, figures are pictures, not programs`);
  if (a.name === 'xmlns' && a.value !== SVG_NS) return void refuse(a.at, `xmlns="${a.value}" switches to another vocabulary: SVG figures may only use xmlns="${SVG_NS}"`);
  if (a.name === 'xmlns:xlink' && (a.value !== XLINK_NS || e !== root)) return void refuse(a.at, `xmlns:xlink may only be declared on the root <svg>, as xmlns:xlink="${XLINK_NS}"`);
  if (a.name === 'marker' || a.name === 'marker-mid') return void refuse(a.at, MARKER_MID);
  if (a.name.startsWith('xmlns:') && a.name !== 'xmlns:xlink') return void refuse(a.at, `SVG figures may not declare the namespace ${a.name}: they use only SVG; remove it and write the elements that use it as plain SVG`);
  if (!ATTRIBUTES.has(a.name)) {
    const advice = a.name.includes(':') ? 'write attributes without a namespace prefix (only xlink:href, xml:space and xml:lang are allowed)' : 'remove it; see docs/authoring.md for the attributes a figure may use';
    return void refuse(a.at, `SVG figures may not contain the attribute ${a.name} on <${e.name}>: ${advice}`);
  }
  if (a.name === 'href' || a.name === 'xlink:href') {
    if (!HREF_ELEMENTS.has(e.name)) return void refuse(a.at, `${a.name} is not allowed on <${e.name}>: only <use>, <textPath> and gradients may point at another part of the figure`);
    if (!FRAGMENT.test(a.value)) return void refuse(a.at, `SVG figures may not contain a reference to another file or site (${a.name}="${a.value.slice(0, 40)}"): point only at a part of this figure, e.g. href="#arrow"`);
    if (a.name === 'xlink:href' && root.attributes.get('xmlns:xlink')?.value !== XLINK_NS) refuse(a.at, `xlink:href needs xmlns:xlink="${XLINK_NS}" on the root <svg>; or write href="…" instead`);
    return;
  }
  if (a.name === 'style') {
    for (const [property, value] of declarations(a.value)) {
      if (property === 'marker' || property === 'marker-mid') refuse(a.at, MARKER_MID);
      else if (!PRESENTATION.has(property) && !STYLE_ONLY.has(property)) refuse(a.at, `style property "${property}" is not allowed in SVG figures: use only drawing properties such as fill, stroke, opacity, font-size`);
      else if (property === 'stroke-dasharray') judgeDashes(value, root, a.at, refuse);
      else judgeValue(property, value, a.at, refuse);
    }
    return;
  }
  if (a.name === 'stroke-dasharray') return void judgeDashes(a.value, root, a.at, refuse);
  if (!TEXT_ATTRIBUTES.has(a.name)) judgeValue(a.name, a.value, a.at, refuse);
}

/** The picture's larger side in user units: the viewBox's, else width/height, else 100. */
function extentOf(root: Element): number {
  const box = root.attributes.get('viewBox')?.value.trim().split(/[\s,]+/).map(Number);
  const sides = box?.length === 4 ? [box[2]!, box[3]!] : [Number.parseFloat(root.attributes.get('width')?.value ?? ''), Number.parseFloat(root.attributes.get('height')?.value ?? '')];
  const extent = Math.max(...sides.filter((n) => Number.isFinite(n) && n > 0));
  return Number.isFinite(extent) ? extent : 100;
}

/**
 * A dash pattern is plain numbers whose sum is at least 1/200 of the picture's larger side: a tiny
 * pattern makes every stroked shape cost the browser up to a million dashes to draw.
 */
function judgeDashes(value: string, root: Element, at: number, refuse: (at: number, message: string) => void): void {
  const text = value.trim();
  if (text === 'none') return;
  const parts = text.split(/[\s,]+/);
  const lengths = parts.map((p) => (/^\d*\.?\d+(px)?$/.test(p) ? Number.parseFloat(p) : Number.NaN));
  if (lengths.some((n) => !Number.isFinite(n))) return void refuse(at, `stroke-dasharray="${text.slice(0, 40)}" must be plain lengths, e.g. stroke-dasharray="6 4"`);
  const minimum = extentOf(root) / 200;
  const sum = lengths.reduce((n, l) => n + l, 0);
  if (sum < minimum) refuse(at, `stroke-dasharray="${text.slice(0, 40)}" repeats every ${sum} units, too fine for this picture (${extentOf(root)} units across): make the dashes and gaps add up to at least ${Number(minimum.toFixed(2))}`);
}

/**
 * Every `name(` in a value, with the argument of a `url(…)`. Scanned by hand, in one pass: a
 * backtracking pattern over a 256 KiB attribute could take minutes.
 */
function calls(value: string): { name: string; target?: string }[] {
  const found: { name: string; target?: string }[] = [];
  for (let open = value.indexOf('('); open >= 0; open = value.indexOf('(', open + 1)) {
    let end = open;
    while (end > 0 && /\s/.test(value[end - 1]!)) end--;
    let start = end;
    while (start > 0 && /[A-Za-z-]/.test(value[start - 1]!)) start--;
    const name = value.slice(start, end);
    if (name.toLowerCase() !== 'url') {
      found.push({ name });
      continue;
    }
    const close = value.indexOf(')', open);
    // An unclosed url( is no reference to anything: an empty target, refused as not "#id".
    const inner = close < 0 ? '' : value.slice(open + 1, close).trim();
    found.push({ name, target: /^(['"]).*\1$/.test(inner) ? inner.slice(1, -1) : inner });
    if (close < 0) break;
    open = close;
  }
  return found;
}

/** A value may call only colour functions, `url(#id)` and (in transforms) the transform functions; no CSS escapes. */
function judgeValue(property: string, value: string, at: number, refuse: (at: number, message: string) => void): void {
  if (/[\\@{}<>*]/.test(value)) return void refuse(at, `the value of ${property} holds "${/[\\@{}<>*]/.exec(value)![0]}", which SVG drawing values never need: write the plain value (e.g. fill="#1f2328")`);
  const transform = property === 'transform' || property === 'gradientTransform';
  for (const { name, target } of calls(value)) {
    if (target !== undefined) {
      if (!FRAGMENT.test(target)) return void refuse(at, `SVG figures may not contain a reference to another file or site (${property}: url(${target.slice(0, 40)})): point only at a part of this figure, e.g. url(#arrow)`);
      continue;
    }
    if (transform ? TRANSFORMS.has(name) : FUNCTIONS.has(name.toLowerCase())) continue;
    return void refuse(at, `${property} may not call ${name || 'a bracketed expression'}(…) in SVG figures: write a plain value (colours as #rrggbb or rgb(…), references as url(#id))`);
  }
}
