import type { IngestFailure } from '../../lambdas/events/ingest';

/**
 * Live preview's error banner: the local platform adds it to the home page and to lesson pages
 * while a content file is rejected, so an author sees the problem in the browser, not only in the
 * terminal. It never exists in AWS: the pages in the site bucket are written without it, and only
 * bin/local/platform.ts injects it into responses. Its style is a same-origin stylesheet, so the
 * production CSP (style-src 'self', no inline styles) holds here too.
 */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const DEV_BANNER_CSS_PATH = '/__dev/banner.css';

export const devBannerCss = `.dev-banner{position:sticky;top:0;z-index:1000;margin:0;padding:.75rem 1rem;background:#7a0010;color:#fff;font:0.95rem/1.4 system-ui,sans-serif;border-bottom:3px solid #ffb3bd}
.dev-banner h2{margin:0 0 .25rem;font-size:1rem;color:#fff}
.dev-banner pre{margin:.25rem 0 0;white-space:pre-wrap;font:0.85rem/1.4 ui-monospace,monospace;color:#fff;background:none;border:0;padding:0}
.dev-banner p{margin:.25rem 0 0;color:#fff}
`;

/** The lesson a page path shows, if any (`/lessons/<id>/`). */
const lessonOfPath = (path: string) => /^\/lessons\/([^/]+)\/(?:index\.html)?$/.exec(path)?.[1];
const nameOf = (key: string) => key.split('/').at(-1)!.replace(/\.md$/i, '');

/**
 * The failures a page shows: every one on the home page; on a lesson page those of its own file,
 * with a count of the others. Undefined for any other page, or when nothing is wrong.
 */
export function bannerFor(path: string, failures: IngestFailure[]): string | undefined {
  if (failures.length === 0) return undefined;
  const lesson = lessonOfPath(path);
  const isHome = path === '/' || path === '/index.html';
  if (!isHome && !lesson) return undefined;
  const shown = isHome ? failures : failures.filter((f) => nameOf(f.key) === lesson);
  const others = failures.length - shown.length;
  if (shown.length === 0 && others === 0) return undefined;
  const title = shown.length > 0 ? `Not published: ${shown.length === 1 ? 'a content file has' : `${shown.length} content files have`} problems` : 'Other content files have problems';
  const list = shown.map((f) => `<pre>${escapeHtml(f.message)}</pre>`).join('');
  const more = others > 0 && !isHome ? `<p>${others} other ${others === 1 ? 'file has' : 'files have'} problems too: see the <a href="/">home page</a> or the terminal.</p>` : '';
  const note = shown.length > 0 && lesson ? '<p>This page shows the last version that passed. Fix the file and save: the page updates on reload.</p>' : '';
  return `<div class="dev-banner" role="alert" data-dev-banner><h2>${title}</h2>${list}${note}${more}</div>`;
}

/** Adds the banner (and its stylesheet) to a page. */
export function withBanner(page: string, banner: string): string {
  return page
    .replace(/<\/head>/i, `<link rel="stylesheet" href="${DEV_BANNER_CSS_PATH}"></head>`)
    .replace(/<body([^>]*)>/i, (body) => `${body}${banner}`);
}
