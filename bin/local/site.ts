import { extname } from 'node:path';
import { FIGURE_CACHE_CONTROL, FIGURE_PREFIX } from '../../lambdas/domain/figures';
import type { SitePublisher } from '../../lambdas/events/ingest';

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

/** Pages published by ingest, kept in memory: the local stand-in for the site bucket. */
export class MemorySite implements SitePublisher {
  readonly objects = new Map<string, { body: string; contentType: string }>();
  /** Content-hashed binary files (figures), kept apart from the text pages. */
  readonly immutable = new Map<string, { body: Uint8Array; contentType: string }>();
  async put(path: string, body: string, contentType: string): Promise<void> {
    this.objects.set(path, { body, contentType });
  }
  async putImmutable(path: string, body: Uint8Array, contentType: string): Promise<void> {
    this.immutable.set(path, { body, contentType });
  }
  async delete(path: string): Promise<void> {
    this.objects.delete(path);
  }
}

export interface SiteResponse {
  body: string | Uint8Array;
  contentType: string;
  cacheControl: string;
}

/**
 * Resolves a request path the way CloudFront + the site bucket do: `/` and paths ending in `/` get
 * `index.html`; `/assets/*` are the built, content-hashed files and `/figures/*` the published
 * figures, both cached as immutable as in AWS.
 */
export function resolveSitePath(site: MemorySite, assets: ReadonlyMap<string, Uint8Array>, urlPath: string): SiteResponse | undefined {
  const path = decodeURIComponent(urlPath);
  if (path.startsWith('/assets/')) {
    const name = path.slice('/assets/'.length);
    const body = assets.get(name);
    return body ? { body, contentType: types[extname(name)] ?? 'application/octet-stream', cacheControl: 'public, max-age=31536000, immutable' } : undefined;
  }
  if (path.startsWith(`/${FIGURE_PREFIX}`)) {
    const figure = site.immutable.get(path.slice(1));
    return figure ? { ...figure, cacheControl: FIGURE_CACHE_CONTROL } : undefined;
  }
  const key = (path.endsWith('/') ? `${path}index.html` : path).slice(1);
  const found = site.objects.get(key);
  return found ? { ...found, cacheControl: 'no-cache' } : undefined;
}
