import { assetUrl, type AssetManifest } from '../assets';
import { html, type SafeHtml } from './html';

export interface PageOptions {
  title: string;
  description: string;
  body: SafeHtml;
  /** Path of the page, for the canonical link and the current-page mark in the navigation. */
  path: string;
  /** Hashed asset names from the site build; without it pages link the unhashed names. */
  assets?: AssetManifest | undefined;
  /** Which client module enhances the page (`<body data-page>`). */
  page?: 'home' | 'lesson' | 'concepts' | 'reviews' | 'stats' | 'account' | 'authors' | 'callback';
}

/**
 * Every page of the site. The one script is an external ES module (deferred by nature, no inline code:
 * the CSP forbids it); the sign-in control stays invisible (`.pending`: its space kept, so nothing
 * shifts when it appears) until that script runs, since without JavaScript there is nothing it could do.
 */
export function layout({ title, description, body, path, assets = {}, page }: PageOptions): string {
  const nav = (href: string, label: string) =>
    html`<a href="${href}"${path === href ? html` aria-current="page"` : ''}>${label}</a>`;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="${assetUrl(assets, 'styles.css')}">
<link rel="icon" href="${assetUrl(assets, 'favicon.svg')}" type="image/svg+xml">
<script type="module" src="${assetUrl(assets, 'main.js')}"></script>
</head>
<body${page ? html` data-page="${page}"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<a class="brand" href="/">Rungs</a>
<nav aria-label="Main">${nav('/', 'Lessons')} ${nav('/concepts/', 'Concepts')} <a href="/reviews/"${path === '/reviews/' ? html` aria-current="page"` : ''}>Reviews<span class="due-badge" hidden></span></a> ${nav('/stats/', 'Stats')} ${nav('/account/', 'Account')}</nav>
<div class="auth pending"><span class="auth-user"></span> <button type="button" class="auth-button link-button">Sign in</button></div>
</header>
<main id="main">
${body}
</main>
<footer class="site-footer"><p>Rungs — short lessons on the systems you build, with exercises and reviews.</p></footer>
</body>
</html>`}\n`;
}
