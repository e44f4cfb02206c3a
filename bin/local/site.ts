import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { SitePublisher } from '../../lambdas/events/ingest';

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
};

/** Pages published by ingest, kept in memory: the local stand-in for the site bucket. */
export class MemorySite implements SitePublisher {
  readonly objects = new Map<string, { body: string; contentType: string }>();
  async put(path: string, body: string, contentType: string): Promise<void> {
    this.objects.set(path, { body, contentType });
  }
  async delete(path: string): Promise<void> {
    this.objects.delete(path);
  }
}

/**
 * Resolves a request path the way CloudFront + the site bucket do: `/` and paths ending in `/` get
 * `index.html`; `/assets/*` comes from web/static.
 */
export async function resolveSitePath(
  site: MemorySite,
  staticDir: string,
  urlPath: string,
): Promise<{ body: string | Buffer; contentType: string } | undefined> {
  const path = decodeURIComponent(urlPath);
  if (path.startsWith('/assets/')) {
    const relative = normalize(path.slice('/assets/'.length));
    if (relative.startsWith('..')) return undefined;
    try {
      return { body: await readFile(join(staticDir, relative)), contentType: types[extname(relative)] ?? 'application/octet-stream' };
    } catch {
      return undefined;
    }
  }
  const key = (path.endsWith('/') ? `${path}index.html` : path).slice(1);
  return site.objects.get(key);
}
