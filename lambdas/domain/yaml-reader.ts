/**
 * A small, strict reader of the YAML that Rungs content is written in: block and flow collections,
 * plain, quoted and block scalars, comments, anchors and aliases, resolved with the YAML 1.2 core
 * schema the way the `yaml` package resolves them. Everything else (tags, directives, document
 * markers, complex keys) is refused with a problem, never read half-way. Pure and dependency-free,
 * so the ingest bundle carries only this instead of a whole YAML library.
 *
 * Every input ends in a value or in problems `{ code, offset }` — never an exception: nesting is
 * bounded (no stack overflow), aliases and the text they copy are counted (no alias bomb), and each character is looked at
 * a bounded number of times (no quadratic rescans).
 */

/**
 * Problem codes: the `yaml` package's codes for the same mistakes, plus one per refused feature and
 * MISSING_SPACE (no space after a key's `:`, which `yaml` reports under other codes).
 */
export type YamlCode =
  | 'BAD_INDENT'
  | 'TAB_AS_INDENT'
  | 'BLOCK_AS_IMPLICIT_KEY'
  | 'MULTILINE_IMPLICIT_KEY'
  | 'MISSING_CHAR'
  | 'MISSING_SPACE'
  | 'BLOCK_IN_FLOW'
  | 'FLOW_PAIR_COLON'
  | 'DUPLICATE_KEY'
  | 'BAD_SCALAR_START'
  | 'BAD_DQ_ESCAPE'
  | 'UNEXPECTED_TOKEN'
  | 'BAD_ALIAS'
  | 'MISSING_ANCHOR'
  | 'RESOURCE_EXHAUSTION'
  | 'IMPOSSIBLE'
  | 'TAG'
  | 'DIRECTIVE'
  | 'DOCUMENT_MARKER'
  | 'COMPLEX_KEY';

/**
 * One problem at a character offset of the text. `alias` names the alias for the two alias problems:
 * MISSING_ANCHOR (an alias to no earlier anchor) and RESOURCE_EXHAUSTION (aliases expand to more
 * copies than allowed, or, with `size`, to more characters than allowed; `offset` is then the first alias).
 */
export interface YamlProblem {
  code: YamlCode;
  offset: number;
  alias?: string;
  size?: true;
}

export interface YamlOptions {
  /** Alias expansions allowed in the text, counting aliases inside anchored values each time they are copied. */
  maxAliases: number;
  /** Characters that alias copies may add to the value in all (an alias to a large value counts its whole size); 100 KiB unless set. */
  maxAliasChars?: number;
  /** Collections nested deeper than this are refused (a top-level list or map is at depth 1); 64 unless set. */
  maxDepth?: number;
}

export interface YamlRead {
  /** The plain value (undefined when there are problems). */
  value: unknown;
  problems: YamlProblem[];
  /** Where the node at `path` starts, and whether it is a list or map (not through aliases). */
  nodeAt(path: readonly PropertyKey[]): { offset: number; collection: boolean } | undefined;
  /** Where the key that names the last step of `path` starts, when that step is a map key. */
  keyAt(path: readonly PropertyKey[]): number | undefined;
}

interface Node {
  offset: number;
  value: unknown;
  /** Alias expansions needed to copy this node out in full. */
  weight: number;
  /** Characters of the value in full (scalar texts and keys, at least one per node, through aliases). */
  chars: number;
  /** Characters that the aliases in this node copy in. */
  copied: number;
  items?: Node[];
  keys?: Map<string, { offset: number; node: Node }>;
  alias?: boolean;
}

/** Thrown inside the reader to stop at a problem that leaves nothing sensible to read; never escapes. */
class Stop {}
const STOP = new Stop();
const BUILDING = Symbol('building');

const isBreak = (c: string | undefined) => c === '\n' || c === '\r';
const isSpace = (c: string | undefined) => c === ' ' || c === '\t';
/** Space, tab, line break or the end of the text: what must follow `-`, `?`, `:` as indicators. */
const isBlank = (c: string | undefined) => c === undefined || isSpace(c) || isBreak(c);
const isFlowIndicator = (c: string | undefined) => c === ',' || c === '[' || c === ']' || c === '{' || c === '}';
/** A line that starts a block list entry or a block map key (`- x`, `name: value`, `"name": value`). */
// Spaces before a quoted key's `:` are matched apart; a plain key's class already takes them (a `[ \t]*`
// after its lazy run would backtrack over every run of spaces: quadratic on a long line).
const blockLine = /^(?:-(?:[ \t]|$)|(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*|[^\s#,[\]{}"'][^,[\]{}]*?):(?:[ \t]|$))/;

const escapes: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const hexLength: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A plain scalar's value under the YAML 1.2 core schema, as the `yaml` package resolves it. */
function resolvePlain(text: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(text)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(text)) return false;
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) return text.endsWith('nan') || text.endsWith('NaN') || text.endsWith('NAN') ? NaN : text[0] === '-' ? -Infinity : Infinity;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return parseFloat(text);
  return text;
}

/** A map key as a plain object holds it: the string of its value, '' for null. */
const keyString = (value: unknown) => (value === null ? '' : String(value));

/** A node with no collection in it: a scalar or an empty value. */
// Every node counts at least one character, so an alias of empty structure (`[]`, `~`) is not free.
const leaf = (offset: number, value: unknown): Node => ({ offset, value, weight: 0, chars: Math.max(1, keyString(value).length), copied: 0 });

/** Sets an own data property, even for `__proto__` or a name the prototype has: never a setter. */
function setKey(map: Record<string, unknown>, key: string, value: unknown) {
  if (key in map) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

interface Line {
  /** Offset of the line's first character. */
  start: number;
  /** Leading spaces. */
  indent: number;
  /** Whether a tab follows the leading spaces. */
  tab: boolean;
  /** Offset of the first character that is neither space nor tab. */
  first: number;
}

interface Scalar {
  value: unknown;
  offset: number;
  multiline: boolean;
  /** A mapping indicator (`:`) follows, so the scalar is a key; the position is after the `:`. */
  colon: number | undefined;
}

class Reader {
  pos = 0;
  readonly problems: YamlProblem[] = [];
  private readonly anchors = new Map<string, Node | typeof BUILDING>();
  private firstAlias: { offset: number; name: string } | undefined;
  private missing: { offset: number; name: string } | undefined;
  private cycle = false;
  /** Offsets of the brackets and braces open around `pos`, innermost last. */
  private readonly open: number[] = [];
  private peeked: { from: number; line: Line | undefined } | undefined;
  /** `start` is a line start and no line break lies between it and `scanned`. */
  private knownLine = { start: 0, scanned: 0 };

  constructor(
    private readonly src: string,
    private readonly maxDepth: number,
  ) {}

  private fail(code: YamlCode, offset: number): never {
    this.problems.push({ code, offset });
    throw STOP;
  }

  read(maxAliases: number, maxAliasChars: number): Node | undefined {
    // Only \r and \n end lines (not U+2028 or U+2029, which the `m` flag would count), as everywhere here.
    const marker = /(?:^\uFEFF?|[\r\n])(?:---|\.\.\.)(?=[ \t\r\n]|$)/.exec(this.src);
    if (marker) this.fail('DOCUMENT_MARKER', marker.index + marker[0].length - 3);
    // A byte-order mark is no text: the first line starts after it.
    if (this.src[0] === '\uFEFF') this.pos = this.knownLine.start = this.knownLine.scanned = 1;
    const line = this.nextLine();
    let root = leaf(this.pos, null);
    if (line) {
      if (this.src[line.first] === '%' && line.indent === 0) this.fail('DIRECTIVE', line.first);
      if (line.tab) this.fail('TAB_AS_INDENT', line.start);
      this.pos = line.first;
      root = this.blockNode(-1, true, 0);
      const rest = this.nextLine();
      if (rest) this.fail(rest.tab ? 'TAB_AS_INDENT' : 'BAD_INDENT', rest.start);
    }
    if (this.problems.length > 0) return undefined;
    if (this.missing) this.problems.push({ code: 'MISSING_ANCHOR', offset: this.missing.offset, alias: this.missing.name });
    else if (this.firstAlias && (this.cycle || root.weight > maxAliases)) this.problems.push({ code: 'RESOURCE_EXHAUSTION', offset: this.firstAlias.offset, alias: this.firstAlias.name });
    else if (this.firstAlias && root.copied > maxAliasChars) this.problems.push({ code: 'RESOURCE_EXHAUSTION', offset: this.firstAlias.offset, alias: this.firstAlias.name, size: true });
    return this.problems.length > 0 ? undefined : root;
  }

  // ---- lines --------------------------------------------------------------------------------

  private lineEnd(p: number) {
    while (p < this.src.length && !isBreak(this.src[p])) p++;
    return p;
  }

  private afterBreak(p: number) {
    if (this.src[p] === '\r' && this.src[p + 1] === '\n') return p + 2;
    return p < this.src.length ? p + 1 : p;
  }

  /** Start of the line holding `p`; remembers how far it looked, so forward queries cost each character once. */
  private lineStartOf(p: number) {
    const known = this.knownLine;
    if (p < known.start) {
      known.start = p;
      while (known.start > 0 && !isBreak(this.src[known.start - 1])) known.start--;
      known.scanned = p;
    }
    for (let i = Math.max(known.scanned, known.start); i < p; i++) if (isBreak(this.src[i])) known.start = i + 1;
    known.scanned = Math.max(known.scanned, p);
    return known.start;
  }

  /** The next line with content from `pos` (a line start), skipping blank and comment-only lines. */
  private nextLine(): Line | undefined {
    if (this.peeked?.from === this.pos) return this.peeked.line;
    const { src } = this;
    let p = this.pos;
    let line: Line | undefined;
    while (p < src.length) {
      let q = p;
      while (src[q] === ' ') q++;
      let r = q;
      while (isSpace(src[r])) r++;
      if (r >= src.length || isBreak(src[r]) || src[r] === '#') {
        p = this.afterBreak(this.lineEnd(r));
        continue;
      }
      line = { start: p, indent: q - p, tab: src[q] === '\t', first: r };
      break;
    }
    this.peeked = { from: this.pos, line };
    return line;
  }

  /** After a node on its line: only spaces and a comment may follow; moves to the next line's start. */
  private finishLine() {
    const { src } = this;
    while (isSpace(src[this.pos])) this.pos++;
    if (src[this.pos] === '#' && (this.pos === 0 || isBlank(src[this.pos - 1]))) this.pos = this.lineEnd(this.pos);
    if (this.pos < src.length && !isBreak(src[this.pos])) this.fail('UNEXPECTED_TOKEN', this.pos);
    this.pos = this.afterBreak(this.pos);
  }

  private skipSpaces() {
    while (isSpace(this.src[this.pos])) this.pos++;
  }

  private atLineEnd() {
    const c = this.src[this.pos];
    return c === undefined || isBreak(c) || (c === '#' && isSpace(this.src[this.pos - 1]));
  }

  // ---- block structure ----------------------------------------------------------------------

  /**
   * The node after an indicator (`:` of a key, `-` of an entry): on the same line, or on the lines
   * below when they are indented deeper than `indent` (the holding collection's indentation). A map
   * value may also be a list at the map's own indentation.
   */
  private blockNode(indent: number, inList: boolean, depth: number): Node {
    const from = this.pos;
    this.skipSpaces();
    // After an entry's `-` a tab may separate a scalar, but not a list, map or anchor: `yaml` counts it as indentation.
    let tab: number | undefined;
    for (let p = from; inList && tab === undefined && p < this.pos; p++) if (this.src[p] === '\t') tab = p;
    if (tab !== undefined && this.src[this.pos] === '&') this.fail('TAB_AS_INDENT', tab);
    const anchor = this.properties();
    // On an entry's line a list or map may start (`- a: 1`); on a key's line it may not (`a: b: c`).
    if (!this.atLineEnd()) return this.content(indent, inList, depth, anchor, tab);
    const offset = this.pos;
    this.pos = this.afterBreak(this.lineEnd(this.pos));
    const line = this.nextLine();
    const listHere = !inList && line?.indent === indent && this.src[line.first] === '-' && isBlank(this.src[line.first + 1]);
    if (line && (line.indent > indent || listHere)) {
      if (line.tab) this.fail('TAB_AS_INDENT', line.start);
      this.pos = line.first;
      return this.content(indent, true, depth, anchor);
    }
    return this.anchored(anchor, leaf(offset, null));
  }

  /** An anchor (`&name`) before a node, if any; tags are refused. */
  private properties(): { name: string; offset: number } | undefined {
    const { src } = this;
    if (src[this.pos] === '!') this.fail('TAG', this.pos);
    if (src[this.pos] !== '&') return undefined;
    const offset = this.pos;
    const name = this.name();
    this.skipSpaces();
    if (src[this.pos] === '!') this.fail('TAG', this.pos);
    if (src[this.pos] === '&') this.fail('UNEXPECTED_TOKEN', this.pos);
    this.anchors.set(name, BUILDING);
    return { name, offset };
  }

  /** The name after `&` or `*`. */
  private name(): string {
    const { src } = this;
    const start = ++this.pos;
    while (this.pos < src.length && !isBlank(src[this.pos]) && !isFlowIndicator(src[this.pos])) this.pos++;
    if (this.pos === start) this.fail('BAD_ALIAS', start - 1);
    return src.slice(start, this.pos);
  }

  private anchored(anchor: { name: string } | undefined, node: Node): Node {
    if (anchor) this.anchors.set(anchor.name, node);
    return node;
  }

  private alias(): Node {
    const offset = this.pos;
    const name = this.name();
    this.firstAlias ??= { offset, name };
    const target = this.anchors.get(name);
    if (target === undefined) {
      this.missing ??= { offset, name };
      return { ...leaf(offset, null), weight: 1, alias: true };
    }
    if (target === BUILDING) {
      this.cycle = true;
      return { ...leaf(offset, null), weight: 1, alias: true };
    }
    // Each copy adds the whole value once more, aliases inside it expanded.
    return { offset, value: target.value, weight: 1 + target.weight, chars: target.chars, copied: target.chars, alias: true };
  }

  /**
   * A node whose first character is at `pos`. `compact` says whether a list or map may start here
   * (not on the line of a map key: `a: b: c` and `a: - b` are mistakes). `tab` is a tab between an
   * entry's `-` and `pos`, which a list or map may not follow. `depth` counts the collections around.
   */
  private content(indent: number, compact: boolean, depth: number, anchor: { name: string; offset: number } | undefined, tab?: number): Node {
    const { src } = this;
    const c = src[this.pos];
    const column = this.pos - this.lineStartOf(this.pos);
    const next = src[this.pos + 1];
    if (c === '-' && isBlank(next)) {
      // A list starts on a line of its own: not after a key, nor after an anchor on the same line.
      if (!compact || (anchor && anchor.offset >= this.lineStartOf(this.pos))) this.fail('UNEXPECTED_TOKEN', this.pos);
      if (tab !== undefined) this.fail('TAB_AS_INDENT', tab);
      return this.anchored(anchor, this.blockList(column, depth));
    }
    if (c === '?' && isBlank(next)) this.fail('COMPLEX_KEY', this.pos);
    if (c === '|' || c === '>') return this.anchored(anchor, this.blockScalar(indent));
    if (c === '[' || c === '{' || c === '*') {
      const node = c === '*' ? (anchor ? this.fail('UNEXPECTED_TOKEN', this.pos) : this.alias()) : this.flowCollection(indent, depth);
      this.skipSpaces();
      if (src[this.pos] === ':' && isBlank(src[this.pos + 1])) this.fail('COMPLEX_KEY', node.offset);
      this.finishLine();
      return this.anchored(anchor, node);
    }
    const scalar = this.scalar(indent, false);
    if (scalar.colon === undefined) {
      // `"title":T` is a key written without its space, not text after a quoted value.
      if (src[scalar.offset] === '"' || src[scalar.offset] === "'") this.missingSpace(scalar);
      this.finishLine();
      return this.anchored(anchor, leaf(scalar.offset, scalar.value));
    }
    if (scalar.multiline && compact) this.missingSpace(scalar);
    if (scalar.multiline) this.fail(compact ? 'MULTILINE_IMPLICIT_KEY' : 'BLOCK_AS_IMPLICIT_KEY', scalar.offset);
    if (!compact) this.fail('BLOCK_AS_IMPLICIT_KEY', scalar.offset);
    // An anchor on the key's line would name the key (`&k a: 1`); one on a line of its own names the map below it.
    if (anchor && anchor.offset >= this.lineStartOf(scalar.offset)) this.fail('COMPLEX_KEY', scalar.offset);
    if (tab !== undefined) this.fail('TAB_AS_INDENT', tab);
    return this.anchored(anchor, this.blockMap(column, scalar, depth));
  }

  /** A key that failed to read as one: when it is written `name:value`, the problem is the missing space at that colon. */
  private missingSpace(key: Scalar) {
    const { src } = this;
    if (src[key.offset] === '"' || src[key.offset] === "'") {
      if (!key.multiline && src[this.pos] === ':') this.fail('MISSING_SPACE', this.pos);
      return;
    }
    for (let p = key.offset; p < src.length && !isBreak(src[p]); p++) {
      if (src[p] === '#' && isSpace(src[p - 1])) return;
      if (src[p] === ':' && !isBlank(src[p + 1])) this.fail('MISSING_SPACE', p);
    }
  }

  /** A plain or quoted scalar at `pos` (anything else that cannot start one is refused here). */
  private scalar(indent: number, flow: boolean): Scalar {
    const { src } = this;
    const c = src[this.pos];
    if (c === '"' || c === "'") {
      const scalar = this.quoted(indent);
      const after = this.pos;
      if (!flow) this.skipSpaces();
      if (src[this.pos] === ':' && (flow || isBlank(src[this.pos + 1]))) scalar.colon = this.pos + 1;
      else this.pos = after;
      return scalar;
    }
    if (c === '!') this.fail('TAG', this.pos);
    if (c === '&') this.fail('COMPLEX_KEY', this.pos);
    if (c === '%' || c === '@' || c === '`' || c === '|' || c === '>' || c === ',' || c === '#') this.fail('BAD_SCALAR_START', this.pos);
    if (c === ']' || c === '}' || c === '[' || c === '{' || c === '*') this.fail('UNEXPECTED_TOKEN', this.pos);
    // "- " (or "-" before a flow indicator) starts a block list entry, which cannot sit inside brackets or braces;
    // `yaml` reports it as BLOCK_IN_FLOW too.
    if (c === '-' && (isBlank(src[this.pos + 1]) || (flow && isFlowIndicator(src[this.pos + 1])))) this.fail(flow ? 'BLOCK_IN_FLOW' : 'UNEXPECTED_TOKEN', this.pos);
    if ((c === ':' || c === '?') && (isBlank(src[this.pos + 1]) || (flow && isFlowIndicator(src[this.pos + 1])))) this.fail('COMPLEX_KEY', this.pos);
    return this.plain(indent, flow);
  }

  private blockMap(indent: number, first: Scalar, depth: number): Node {
    if (depth >= this.maxDepth) this.fail('RESOURCE_EXHAUSTION', first.offset);
    const map: Record<string, unknown> = {};
    const keys = new Map<string, { offset: number; node: Node }>();
    let weight = 0;
    let chars = 0;
    let copied = 0;
    let key = first;
    for (;;) {
      // Keys are compared as the map holds them: `1` and `"1"`, or `null` and `""`, are the same field.
      const name = keyString(key.value);
      if (keys.has(name)) this.problems.push({ code: 'DUPLICATE_KEY', offset: key.offset });
      this.pos = key.colon!;
      const value = this.blockNode(indent, false, depth + 1);
      setKey(map, name, value.value);
      keys.set(name, { offset: key.offset, node: value });
      weight += value.weight;
      chars += name.length + value.chars;
      copied += value.copied;
      const line = this.nextLine();
      if (!line || line.indent < indent) break;
      if (line.indent > indent) this.fail('BAD_INDENT', line.start);
      if (line.tab) this.fail('TAB_AS_INDENT', line.start);
      this.pos = line.first;
      key = this.mapKey(indent);
    }
    return { offset: first.offset, value: map, weight, chars: chars + 1, copied, keys };
  }

  /** The next key of a block map, at `pos`. */
  private mapKey(indent: number): Scalar {
    const { src } = this;
    const c = src[this.pos];
    if (c === '-' && isBlank(src[this.pos + 1])) this.fail('BAD_INDENT', this.pos);
    if ((c === '?' && isBlank(src[this.pos + 1])) || c === '[' || c === '{' || c === '*') this.fail('COMPLEX_KEY', this.pos);
    const key = this.scalar(indent, false);
    if (key.colon === undefined || key.multiline) this.missingSpace(key);
    if (key.colon === undefined) this.fail('MISSING_CHAR', key.offset);
    if (key.multiline) this.fail('MULTILINE_IMPLICIT_KEY', key.offset);
    return key;
  }

  private blockList(indent: number, depth: number): Node {
    if (depth >= this.maxDepth) this.fail('RESOURCE_EXHAUSTION', this.pos);
    const items: Node[] = [];
    const offset = this.pos;
    let weight = 0;
    let chars = 0;
    let copied = 0;
    for (;;) {
      this.pos++;
      const item = this.blockNode(indent, true, depth + 1);
      items.push(item);
      weight += item.weight;
      chars += item.chars;
      copied += item.copied;
      const line = this.nextLine();
      if (!line || line.indent < indent) break;
      if (line.indent > indent) this.fail('BAD_INDENT', line.start);
      if (line.tab) this.fail('TAB_AS_INDENT', line.start);
      // A line at this indentation that is no entry belongs to the map that holds this list (or is a mistake it reports).
      if (this.src[line.first] !== '-' || !isBlank(this.src[line.first + 1])) break;
      this.pos = line.first;
    }
    return { offset, value: items.map((item) => item.value), weight, chars: chars + 1, copied, items };
  }

  // ---- scalars ------------------------------------------------------------------------------

  /**
   * A plain scalar from `pos`, folded over the following lines that are indented deeper than
   * `indent`. Stops at `: `, ` #`, a line break that is not followed by a continuation, and in flow
   * context at `,[]{}`.
   */
  private plain(indent: number, flow: boolean): Scalar {
    const { src } = this;
    const offset = this.pos;
    const parts: string[] = [];
    let multiline = false;
    for (;;) {
      const start = this.pos;
      let end = start;
      let stop: 'colon' | 'end' | 'line' = 'line';
      while (this.pos < src.length) {
        const c = src[this.pos]!;
        if (isBreak(c)) break;
        if (isSpace(c)) {
          this.pos++;
          continue;
        }
        if (c === ':' && (isBlank(src[this.pos + 1]) || (flow && isFlowIndicator(src[this.pos + 1])))) {
          stop = 'colon';
          break;
        }
        if ((c === '#' && isSpace(src[this.pos - 1])) || (flow && isFlowIndicator(c))) {
          stop = 'end';
          break;
        }
        end = ++this.pos;
      }
      parts.push(src.slice(start, end));
      if (stop === 'colon') {
        this.pos++;
        return { value: resolvePlain(parts.join('')), offset, multiline, colon: this.pos };
      }
      this.pos = end;
      if (stop === 'end') break;
      const fold = this.continuation(indent, flow);
      if (fold === undefined) break;
      parts.push(fold);
      multiline = true;
    }
    return { value: resolvePlain(parts.join('')), offset, multiline, colon: undefined };
  }

  /**
   * When the line after `pos` (the end of a plain scalar's line) continues the scalar: the folding
   * (' ' or one '\n' per empty line between) and `pos` moved to the continuation's first character.
   */
  private continuation(indent: number, flow: boolean): string | undefined {
    const { src } = this;
    let p = this.afterBreak(this.lineEnd(this.pos));
    if (p === this.pos) return undefined;
    let empty = 0;
    while (p < src.length) {
      let q = p;
      while (src[q] === ' ') q++;
      const spaces = q - p;
      while (isSpace(src[q])) q++;
      if (q >= src.length) return undefined;
      if (isBreak(src[q])) {
        empty++;
        p = this.afterBreak(q);
        continue;
      }
      const c = src[q];
      if (spaces <= indent || c === '#') return undefined;
      if (flow && (isFlowIndicator(c) || (c === ':' && (isBlank(src[q + 1]) || isFlowIndicator(src[q + 1]))))) return undefined;
      this.pos = q;
      return empty === 0 ? ' ' : '\n'.repeat(empty);
    }
    return undefined;
  }

  /** A single- or double-quoted scalar; continuation lines must be indented deeper than `indent`. */
  private quoted(indent: number): Scalar {
    const { src } = this;
    const offset = this.pos;
    const quote = src[offset];
    const double = quote === '"';
    // Find the closing quote first: an unclosed quote is reported at its opening quote.
    let close = offset + 1;
    for (;;) {
      if (close >= src.length) this.fail('MISSING_CHAR', offset);
      const c = src[close];
      if (double && c === '\\') close += src[close + 1] === '\r' && src[close + 2] === '\n' ? 3 : 2;
      else if (c === quote && !double && src[close + 1] === quote) close += 2;
      else if (c === quote) break;
      else close++;
    }
    const parts: string[] = [];
    let line = '';
    /** Length of `line` without its trailing literal spaces (escaped ones stay). */
    let kept = 0;
    let p = offset + 1;
    let multiline = false;
    while (p < close) {
      const c = src[p]!;
      if (isBreak(c) || (double && c === '\\' && isBreak(src[p + 1]))) {
        const escaped = c === '\\';
        parts.push(escaped ? line : line.slice(0, kept));
        line = '';
        kept = 0;
        multiline = true;
        // Empty lines become line feeds; one plain break between text lines folds to a space.
        let empty = 0;
        p = this.afterBreak(escaped ? p + 1 : p);
        for (;;) {
          let q = p;
          while (src[q] === ' ') q++;
          const spaces = q - p;
          while (isSpace(src[q])) q++;
          if (isBreak(src[q]) && q < close) {
            empty++;
            p = this.afterBreak(q);
            continue;
          }
          // Like `yaml`: text that falls back to the key's indentation means the quote was never closed on the line before.
          if (spaces <= indent && q < close) this.fail('MISSING_CHAR', offset);
          p = q;
          break;
        }
        parts.push(escaped ? '\n'.repeat(empty) : empty === 0 ? ' ' : '\n'.repeat(empty));
        continue;
      }
      if (double && c === '\\') {
        const e = src[p + 1]!;
        const size = hexLength[e];
        if (size) {
          const hex = src.slice(p + 2, p + 2 + size);
          const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === size ? parseInt(hex, 16) : -1;
          if (code < 0 || code > 0x10ffff) this.fail('BAD_DQ_ESCAPE', p);
          line += String.fromCodePoint(code);
          p += 2 + size;
        } else {
          const decoded = escapes[e];
          if (decoded === undefined) this.fail('BAD_DQ_ESCAPE', p);
          line += decoded;
          p += 2;
        }
        kept = line.length;
        continue;
      }
      if (!double && c === quote) p++;
      line += c;
      if (!isSpace(c)) kept = line.length;
      p++;
    }
    parts.push(line);
    this.pos = close + 1;
    return { value: parts.join(''), offset, multiline, colon: undefined };
  }

  /** A literal (`|`) or folded (`>`) block scalar, with its chomping and indentation indicators. */
  private blockScalar(indent: number): Node {
    const { src } = this;
    const offset = this.pos;
    const folded = src[this.pos++] === '>';
    let chomp: '-' | '+' | '' = '';
    let step = 0;
    for (let i = 0; i < 2; i++) {
      const c = src[this.pos];
      if ((c === '-' || c === '+') && !chomp) chomp = c;
      else if (c !== undefined && c >= '1' && c <= '9' && !step) step = Number(c);
      else break;
      this.pos++;
    }
    if (!this.atLineEnd() && !isSpace(src[this.pos])) this.fail('UNEXPECTED_TOKEN', offset);
    this.finishLine();
    // Without an indicator, the first line with text sets the indentation; empty lines before it may not be deeper.
    // At the top level `yaml` counts the indicator from column 0.
    let width = Math.max(indent, 0) + step;
    if (!step) {
      let deepestEmpty = 0;
      let p = this.pos;
      width = -1;
      while (p < src.length) {
        let q = p;
        while (src[q] === ' ') q++;
        if (q < src.length && !isBreak(src[q])) {
          width = q - p;
          if (width > indent && deepestEmpty > width) this.fail('BAD_INDENT', p);
          break;
        }
        deepestEmpty = Math.max(deepestEmpty, q - p);
        p = this.afterBreak(q);
      }
      if (width <= indent) width = Math.max(indent + 1, deepestEmpty);
    }
    const lines: string[] = [];
    let spacesAtEnd = false;
    let p = this.pos;
    while (p < src.length) {
      let q = p;
      while (src[q] === ' ' && q - p < width) q++;
      const end = this.lineEnd(q);
      if (q - p < width && q < end) break;
      // A last line of spaces with no line break holds no text and no empty line; as `yaml` reads it, it
      // only makes a kept scalar without text one line break, when it is indented deeper than the key.
      if (end === src.length && q === end) {
        spacesAtEnd = end - p > Math.max(indent, 0);
        p = end;
        break;
      }
      lines.push(src.slice(q, end));
      p = this.afterBreak(end);
    }
    this.pos = p;
    // Lines of spaces after the text are empty lines; a scalar with no text at all is empty (as `yaml` reads it).
    let last = lines.some((line) => /[^ ]/.test(line)) ? lines.length : 0;
    while (last > 0 && lines[last - 1] === '') last--;
    const trailing = lines.length - last;
    let text = '';
    if (!folded) text = lines.slice(0, last).join('\n');
    else {
      const out: string[] = [];
      let previous: 'normal' | 'spaced' | undefined;
      let empty = 0;
      for (const line of lines.slice(0, last)) {
        if (line === '') {
          empty++;
          continue;
        }
        const kind = isSpace(line[0]) ? 'spaced' : 'normal';
        if (previous === undefined) out.push('\n'.repeat(empty));
        else if (previous === 'normal' && kind === 'normal') out.push(empty > 0 ? '\n'.repeat(empty) : ' ');
        else out.push('\n'.repeat(empty + 1));
        out.push(line);
        previous = kind;
        empty = 0;
      }
      text = out.join('');
    }
    if (chomp === '+') text += '\n'.repeat(last > 0 ? 1 + trailing : spacesAtEnd ? Math.max(1, trailing) : trailing);
    else if (chomp === '' && last > 0) text += '\n';
    return leaf(offset, text);
  }

  // ---- flow collections ---------------------------------------------------------------------

  /**
   * Skips spaces, line breaks and comments inside a flow collection. A line with content must be
   * indented deeper than `indent` (the block collection around), unless it closes a bracket. A
   * bracket or brace left open is reported where it opens.
   */
  private flowSpace(indent: number) {
    const { src } = this;
    for (;;) {
      const c = src[this.pos];
      if (c === undefined) this.fail('MISSING_CHAR', this.open.at(-1) ?? this.pos);
      if (isSpace(c)) this.pos++;
      else if (c === '#' && (isSpace(src[this.pos - 1]) || isBreak(src[this.pos - 1]))) this.pos = this.lineEnd(this.pos);
      else if (isBreak(c)) {
        const start = this.afterBreak(this.pos);
        let q = start;
        while (src[q] === ' ') q++;
        let r = q;
        while (isSpace(src[r])) r++;
        if (q - start <= indent && r < src.length && !isBreak(src[r]) && src[r] !== '#' && src[r] !== ']' && src[r] !== '}') {
          if (src[q] === '\t') this.fail('TAB_AS_INDENT', start);
          // A block key or entry back at the key's indentation means the bracket above was never closed.
          if (blockLine.test(src.slice(r, this.lineEnd(r)))) this.fail('MISSING_CHAR', this.open.at(-1) ?? start);
          this.fail('BAD_INDENT', start);
        }
        this.pos = r;
      } else return;
    }
  }

  private flowCollection(indent: number, depth: number): Node {
    if (depth >= this.maxDepth) this.fail('RESOURCE_EXHAUSTION', this.pos);
    const { src } = this;
    const offset = this.pos;
    this.open.push(offset);
    const isMap = src[this.pos++] === '{';
    const close = isMap ? '}' : ']';
    const items: Node[] = [];
    const map: Record<string, unknown> = {};
    const keys = new Map<string, { offset: number; node: Node }>();
    let weight = 0;
    let chars = 0;
    let copied = 0;
    for (;;) {
      this.flowSpace(indent);
      const c = src[this.pos];
      if (c === close) break;
      if (c === ',' || c === ']' || c === '}') this.fail('UNEXPECTED_TOKEN', this.pos);
      if (c === '?' && isBlank(src[this.pos + 1])) this.fail('COMPLEX_KEY', this.pos);
      const entryStart = this.pos;
      let key: Scalar | undefined;
      if (isMap) {
        if (c === '[' || c === '{' || c === '*' || c === '&') this.fail('COMPLEX_KEY', this.pos);
        key = this.scalar(indent, true);
        if (key.colon === undefined) {
          this.flowSpace(indent);
          if (src[this.pos] === ':') key.colon = this.pos + 1;
        }
      } else {
        const found = this.flowNode(indent, depth);
        if (found.scalar?.colon === undefined) {
          this.flowSpace(indent);
          if (src[this.pos] === ':') {
            if (!found.scalar) this.fail('COMPLEX_KEY', entryStart);
            found.scalar.colon = this.pos + 1;
          }
        }
        if (found.scalar?.colon === undefined) {
          items.push(found.node);
          weight += found.node.weight;
          chars += found.node.chars;
          copied += found.node.copied;
        } else if (found.anchored) this.fail('COMPLEX_KEY', entryStart);
        else key = found.scalar;
      }
      if (key) {
        if (key.multiline) this.fail('MULTILINE_IMPLICIT_KEY', key.offset);
        let entry = leaf(this.pos, null);
        if (key.colon !== undefined) {
          this.pos = key.colon;
          this.flowSpace(indent);
          entry = leaf(this.pos, null);
          if (src[this.pos] !== ',' && src[this.pos] !== close) {
            const value = this.flowNode(indent, depth);
            // `[a: b: c]`: a pair holds one `:` (yaml: BLOCK_IN_FLOW); never drop the rest of the entry.
            if (value.scalar?.colon !== undefined) this.fail('FLOW_PAIR_COLON', value.scalar.colon - 1);
            entry = value.node;
          }
        }
        weight += entry.weight;
        const name = keyString(key.value);
        chars += name.length + entry.chars;
        copied += entry.copied;
        if (isMap) {
          if (keys.has(name)) this.problems.push({ code: 'DUPLICATE_KEY', offset: key.offset });
          setKey(map, name, entry.value);
          keys.set(name, { offset: key.offset, node: entry });
        } else {
          const pair: Record<string, unknown> = {};
          setKey(pair, name, entry.value);
          const keyed = new Map([[name, { offset: key.offset, node: entry }]]);
          items.push({ offset: key.offset, value: pair, weight: entry.weight, chars: name.length + entry.chars + 1, copied: entry.copied, keys: keyed });
        }
      }
      this.flowSpace(indent);
      if (src[this.pos] === ',') this.pos++;
      else if (src[this.pos] !== close) this.fail('UNEXPECTED_TOKEN', this.pos);
    }
    this.pos++;
    this.open.pop();
    return isMap ? { offset, value: map, weight, chars: chars + 1, copied, keys } : { offset, value: items.map((item) => item.value), weight, chars: chars + 1, copied, items };
  }

  /** A node inside a flow collection; `scalar` is set when it is a plain or quoted scalar (a possible key). */
  private flowNode(indent: number, depth: number): { node: Node; scalar?: Scalar; anchored?: boolean } {
    const { src } = this;
    const anchor = this.properties();
    if (anchor) this.flowSpace(indent);
    const c = src[this.pos];
    if (anchor && (c === ',' || c === ']' || c === '}')) return { node: this.anchored(anchor, leaf(this.pos, null)), anchored: true };
    if (c === '[' || c === '{') return { node: this.anchored(anchor, this.flowCollection(indent, depth + 1)), anchored: !!anchor };
    if (c === '*') {
      if (anchor) this.fail('UNEXPECTED_TOKEN', this.pos);
      return { node: this.alias() };
    }
    if (c === '"' || c === "'") {
      const scalar = this.quoted(indent);
      if (src[this.pos] === ':') scalar.colon = this.pos + 1;
      return { node: this.anchored(anchor, leaf(scalar.offset, scalar.value)), scalar, anchored: !!anchor };
    }
    const scalar = this.scalar(indent, true);
    return { node: this.anchored(anchor, leaf(scalar.offset, scalar.value)), scalar, anchored: !!anchor };
  }
}

/** Reads one YAML fragment (one document, no markers). */
export function readYaml(text: string, options: YamlOptions): YamlRead {
  const reader = new Reader(text, options.maxDepth ?? 64);
  let root: Node | undefined;
  try {
    root = reader.read(options.maxAliases, options.maxAliasChars ?? 100 * 1024);
  } catch (error) {
    if (!(error instanceof Stop)) reader.problems.push({ code: 'IMPOSSIBLE', offset: Math.min(reader.pos, text.length) });
    root = undefined;
  }
  const find = (path: readonly PropertyKey[]): Node | undefined => {
    let node = root;
    for (const step of path) {
      if (!node || node.alias) return undefined;
      node = node.items ? node.items[Number(step)] : node.keys?.get(String(step))?.node;
    }
    return node;
  };
  return {
    value: root?.value,
    problems: reader.problems,
    nodeAt(path) {
      const node = find(path);
      return node && { offset: node.offset, collection: !!(node.items ?? node.keys) };
    },
    keyAt(path) {
      if (path.length === 0) return undefined;
      const parent = find(path.slice(0, -1));
      return parent?.alias ? undefined : parent?.keys?.get(String(path[path.length - 1]))?.offset;
    },
  };
}
