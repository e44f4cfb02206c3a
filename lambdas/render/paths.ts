/**
 * Where every rendered page lives: its URL path on the site, its object key in the site bucket, and
 * the exact CDN paths that serve it. Ingest, templates and the local platform all take them from here.
 */

/** URL of a lesson page, as links write it. */
export const lessonPath = (lessonId: string) => `/lessons/${lessonId}/`;

/** Object key of a lesson page in the site bucket. */
export const lessonPagePath = (lessonId: string) => `lessons/${lessonId}/index.html`;

/** Object keys of the pages that show the whole catalog. */
export const catalogPageKeys = { home: 'index.html', catalog: 'catalog.json', concepts: 'concepts/index.html' } as const;

/**
 * Exact CDN paths of a page served at a folder URL (never wildcards: CloudFront allows only 15
 * wildcard paths in progress per distribution, but 3,000 exact ones).
 */
export const pagePaths = (path: string) => [path, `${path}index.html`];

/** CDN paths of the catalog-wide pages. */
export const catalogPagePaths = () => ['/', '/index.html', '/catalog.json', ...pagePaths('/concepts/')];
