import xssExports from 'xss';
import { urlScheme } from '../domain/body-scan';
import { FIGURE_PREFIX } from '../domain/figures';

// A CommonJS module whose named exports Node's ESM loader cannot see: take them from the default.
const { escapeAttrValue, FilterXSS, friendlyAttrValue } = xssExports as unknown as typeof import('xss');

/**
 * The second wall behind the validator's raw-HTML check: whatever Markdown renders to passes an
 * allow-list (js-xss) before it is stored. Only the elements and attributes the renderer itself
 * writes survive; other tags are shown as text, script and style bodies are dropped, and links keep
 * only http, https, mailto and relative URLs.
 */
const cells = ['class', 'scope', 'colspan', 'rowspan'];
const allowList: Record<string, string[]> = {
  a: ['href', 'title', 'class', 'aria-label'],
  img: ['src', 'alt', 'title', 'class', 'width', 'height', 'loading', 'decoding'],
  ...Object.fromEntries(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => [h, ['id']])),
  ...Object.fromEntries(['p', 'em', 'strong', 'del', 's', 'blockquote', 'ul', 'li', 'hr', 'br', 'thead', 'tbody', 'tr', 'sup', 'sub', 'kbd'].map((t) => [t, []])),
  ol: ['start'],
  table: [],
  th: cells,
  td: cells,
  pre: ['tabindex'],
  code: ['class'],
  span: ['class'],
  input: ['type', 'checked', 'disabled'],
};

/** The only image sources a page holds: figures published under their hashed names (see markdown.ts). */
const PUBLISHED_FIGURE = new RegExp(`^/${FIGURE_PREFIX}[A-Za-z0-9._-]+$`);

const safeUrl = (value: string) => {
  const url = friendlyAttrValue(value);
  // A character reference before the first / ? # could spell a scheme the browser decodes
  // (`jav&Tab;ascript:`): such a URL is never one the renderer writes, so it is dropped.
  if (/&/.test(url.split(/[/?#]/, 1)[0] ?? '')) return false;
  const scheme = urlScheme(url);
  return scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'mailto';
};

const filter = new FilterXSS({
  whiteList: allowList,
  stripIgnoreTagBody: ['script', 'style'],
  allowCommentTag: false,
  css: false,
  safeAttrValue(tag, name, value) {
    if ((name === 'href' || name === 'src') && !safeUrl(value)) return '';
    // The renderer writes images only for published figures: any other source loads nothing.
    if (tag === 'img' && name === 'src' && !PUBLISHED_FIGURE.test(value)) return '';
    if (name === 'type' && value !== 'checkbox') return '';
    return escapeAttrValue(value);
  },
});

export const sanitizeHtml = (html: string): string => filter.process(html);
