import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import http from 'highlight.js/lib/languages/http';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type Token, type Tokens } from 'marked';
import type { FigureImage, FigureRef } from '../domain/figures';
import { frontMatterClose, parseLesson, splitLines, type Block } from '../domain/lesson';
import { positionsOf } from '../domain/positions';
import { sanitizeHtml } from './sanitize';
import { escapeHtml } from './templates/html';

// Only the languages lessons use: the full highlight.js bundle would triple the ingest function.
for (const [name, language] of Object.entries({ bash, http, javascript, json, plaintext, python, sql, typescript, xml, yaml })) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(['ts'], { languageName: 'typescript' });
hljs.registerAliases(['js'], { languageName: 'javascript' });
hljs.registerAliases(['sh', 'shell', 'console'], { languageName: 'bash' });
hljs.registerAliases(['text', 'txt'], { languageName: 'plaintext' });
hljs.registerAliases(['html'], { languageName: 'xml' });

export const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/&[a-z]+;/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Highlights code at ingest time into `hljs-*` classes; unknown languages are escaped as they are. */
export function highlightCode(code: string, lang: string | undefined): string {
  const language = lang?.trim().split(/\s+/)[0]?.toLowerCase();
  const known = language && hljs.getLanguage(language) ? language : undefined;
  const body = known ? hljs.highlight(code, { language: known, ignoreIllegals: true }).value : escapeHtml(code);
  const langClass = known ? ` language-${escapeHtml(known)}` : '';
  // Focusable, so a keyboard can reach and scroll a code block wider than the screen.
  return `<pre tabindex="0"><code class="hljs${langClass}">${body}</code></pre>\n`;
}

/** The published figure an image reference names (as written in the Markdown), when there is one. */
export type FigureResolver = (src: string) => FigureImage | undefined;

/**
 * A published figure: its hashed URL, its intrinsic size (the browser reserves the space before the
 * file arrives: no layout shift; CSS scales it to the column), loaded lazily and decoded off the
 * main thread.
 */
export function figureMarkup(figure: FigureImage, alt: string, title?: string | null): string {
  const titled = title ? ` title="${escapeHtml(title)}"` : '';
  return `<img class="figure" src="${escapeHtml(figure.url)}" alt="${escapeHtml(alt)}" width="${figure.width}" height="${figure.height}" loading="lazy" decoding="async"${titled}>`;
}

/** Parses like the page renderer (same options), writes nothing: what `figureRefs` reads. */
const reader = new Marked({ gfm: true });

/** The image tokens of a Markdown text as the renderer will see them (block or inline, like its caller). */
function imageTokens(text: string, inline: boolean): Tokens.Image[] {
  const tokens: Token[] = inline ? reader.Lexer.lexInline(text, reader.defaults) : reader.lexer(text);
  const images: Tokens.Image[] = [];
  reader.walkTokens(tokens, (token) => {
    if (token.type === 'image') images.push(token as Tokens.Image);
  });
  return images;
}

/** The Markdown texts of a lesson the page renders, each with the file line it starts at and how it is rendered. */
function renderedTexts(block: Block): { text: string; inline: boolean }[] {
  const inline = (...texts: string[]) => texts.map((text) => ({ text, inline: true }));
  switch (block.kind) {
    case 'markdown':
    case 'callout':
    case 'summary':
      return [{ text: block.text, inline: false }];
    case 'mcq':
      return inline(block.exercise.prompt, ...block.exercise.choices.map((c) => c.text));
    case 'ordering':
      return inline(block.exercise.prompt, ...block.exercise.steps.map((s) => s.text));
    case 'recall':
      return inline(...block.exercise.prompts.flatMap((p) => [p.prompt, p.answer]));
  }
}

/**
 * The lesson's texts as the renderer renders them: its parsed blocks; for a lesson that does not
 * parse (it is rejected anyway), the prose between `:::` lines, so its figures are still checked.
 */
function lessonTexts(key: string, body: string): { line: number; text: string; inline: boolean }[] {
  try {
    return parseLesson(key, body).blocks.flatMap((block) => renderedTexts(block).map((t) => ({ ...t, line: block.line })));
  } catch {
    const lines = splitLines(body);
    const start = lines[0]?.trim() === '---' ? frontMatterClose(lines) + 1 : 0;
    const texts: { line: number; text: string; inline: boolean }[] = [];
    let segment: string[] = [];
    let line = start + 1;
    let exercise = false;
    const flush = (next: number) => {
      if (!exercise && segment.length > 0) texts.push({ line, text: segment.join('\n'), inline: false });
      segment = [];
      line = next;
    };
    for (let i = Math.max(0, start); i < lines.length; i++) {
      const open = /^:::\s*([A-Za-z]*)\s*$/.exec(lines[i]!);
      if (!open) {
        segment.push(lines[i]!);
        continue;
      }
      flush(i + 2);
      exercise = ['mcq', 'ordering', 'recall'].includes(open[1]!.toLowerCase());
    }
    flush(lines.length + 1);
    return texts;
  }
}

/**
 * Every image a lesson's page would render, read from the renderer's own tokens (so titles in any
 * quotes, brackets or line breaks in the alt text, reference-style images and code blocks count
 * exactly as the page shows them), with the file position of its `![` (1-based). What `check` and
 * ingest judge as figures; the page shows no image that is not among them.
 */
export function figureRefs(key: string, body: string): FigureRef[] {
  // Every image, inline or reference-style, is written with `![`: a lesson without one is not parsed again.
  if (!body.includes('![')) return [];
  const file = splitLines(body);
  const offsets: number[] = [];
  let total = 0;
  for (const line of file) {
    offsets.push(total);
    total += line.length + 1;
  }
  const text = file.join('\n');
  // Lines indexed once: a lesson may hold many images, each placed by its offset.
  const positionOf = positionsOf(text);
  const refs: FigureRef[] = [];
  let images: { line: number; tokens: Tokens.Image[] }[];
  try {
    images = lessonTexts(key, body).map(({ line, text: t, inline }) => ({ line, tokens: imageTokens(t, inline) }));
  } catch {
    // Nesting deep enough to exhaust the parser is reported by the validator; no page is rendered.
    return [];
  }
  let cursor = 0;
  for (const { line, tokens } of images) {
    cursor = Math.max(cursor, offsets[line - 1] ?? total);
    for (const image of tokens) {
      // The token's first line as written (a quote's `>` or an exercise's YAML may sit between its lines).
      const head = image.raw.split('\n', 1)[0]!;
      const found = text.indexOf(head, cursor);
      const at = found < 0 ? { line, column: 1 } : positionOf(found);
      if (found >= 0) cursor = found + head.length;
      refs.push({ alt: image.text, src: image.href, ...(image.title ? { title: image.title } : {}), ...at });
    }
  }
  return refs;
}

/**
 * Markdown → HTML at ingest time, sanitized (sanitize.ts) in case raw HTML got past the validator. Headings get stable anchors (made unique per page) with a
 * self-link, so a section can be shared; code blocks arrive highlighted, so pages need no script.
 * With `figures`, an image that names a published figure is written as that figure.
 */
export function createMarkdownRenderer(options: { figures?: FigureResolver } = {}) {
  const used = new Map<string, number>();
  const marked = new Marked({
    gfm: true,
    renderer: {
      heading({ tokens, depth }) {
        const text = this.parser.parseInline(tokens);
        const base = slugify(text) || 'section';
        const count = used.get(base) ?? 0;
        used.set(base, count + 1);
        const id = count === 0 ? base : `${base}-${count}`;
        return `<h${depth} id="${id}">${text} <a class="anchor" href="#${id}" aria-label="Link to this section">#</a></h${depth}>\n`;
      },
      code({ text, lang }) {
        return highlightCode(text, lang);
      },
      // Only a figure the resolver knows (checked and published) becomes an image; any other image
      // reference is shown as its text alternative, so no page loads a file nobody checked.
      image({ href, title, text }) {
        const figure = options.figures?.(href);
        return figure ? figureMarkup(figure, text, title) : escapeHtml(text);
      },
      // An empty corner cell of a comparison table is no header: screen readers would announce it.
      tablecell(token) {
        const text = this.parser.parseInline(token.tokens);
        const tag = token.header && text.trim() !== '' ? 'th' : 'td';
        const align = token.align ? ` class="align-${token.align}"` : ''; // a class: the CSP forbids style attributes
        return `<${tag}${tag === 'th' ? ' scope="col"' : ''}${align}>${text}</${tag}>\n`;
      },
    },
  });
  // A table wider than a phone scrolls inside its own focusable region, never the whole page; each
  // region is a landmark, so each gets its own name (one renderer renders one lesson).
  let tables = 0;
  const wrapTables = (html: string) =>
    html
      .replace(/<table>/g, () => `<div class="table-scroll" tabindex="0" role="region" aria-label="Table ${++tables}"><table>`)
      .replace(/<\/table>/g, '</table></div>');
  return {
    block: (markdown: string) => wrapTables(sanitizeHtml(marked.parse(markdown, { async: false }))),
    inline: (markdown: string) => sanitizeHtml(marked.parseInline(markdown, { async: false })),
  };
}
