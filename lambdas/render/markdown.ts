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
import { Marked } from 'marked';
import type { FigureImage } from '../domain/figures';
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

const decoded = (src: string) => {
  try {
    return decodeURI(src);
  } catch {
    return src;
  }
};

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
      image({ href, title, text }) {
        const figure = options.figures?.(href) ?? options.figures?.(decoded(href));
        return figure ? figureMarkup(figure, text, title) : false;
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
