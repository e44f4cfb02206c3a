import { html, type SafeHtml } from './html';

export interface PageOptions {
  title: string;
  description: string;
  body: SafeHtml;
  /** Path of the page, for the canonical link and the current-page mark in the navigation. */
  path: string;
}

export function layout({ title, description, body, path }: PageOptions): string {
  const nav = (href: string, label: string) =>
    html`<a href="${href}"${path === href ? html` aria-current="page"` : ''}>${label}</a>`;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="/assets/styles.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<a class="brand" href="/">Rungs</a>
<nav aria-label="Main">${nav('/', 'Lessons')} ${nav('/concepts/', 'Concepts')}</nav>
</header>
<main id="main">
${body}
</main>
<footer class="site-footer"><p>Rungs — short lessons on the systems you build, with exercises and reviews.</p></footer>
</body>
</html>`}\n`;
}
