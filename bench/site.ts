import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startPlatform } from '../bin/local/platform';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/support/chromium';

/**
 * The learner site as a browser sees it: Lighthouse (all four categories, default mobile settings with
 * simulated throttling) on the home page and a lesson page of the local platform, and the gzip size of
 * what each page loads (HTML, the stylesheet, the entry script and the chunks it imports).
 */
export interface LighthouseRow {
  page: string;
  performance: number;
  accessibility: number;
  bestPractices: number;
  seo: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  bytes: number;
}

export interface PageWeight {
  page: string;
  htmlGzip: number;
  cssGzip: number;
  jsGzip: number;
  totalGzip: number;
}

const score = (value: number | null | undefined) => Math.round((value ?? 0) * 100);

/**
 * Gzip bytes of a page and every stylesheet and script it links, with the chunks those scripts
 * import (the client is code-split): static imports always; dynamic imports too when `dynamic`
 * (the reviews and statistics pages load theirs; counting every dynamic chunk is an upper bound).
 */
async function pageWeight(base: string, path: string, dynamic = false): Promise<PageWeight> {
  const gz = async (url: string) => gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer()), { level: 9 }).length;
  const scriptsFrom = async (entries: string[]) => {
    const seen = new Set<string>();
    const queue = [...entries];
    let bytes = 0;
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      bytes += gzipSync(body, { level: 9 }).length;
      const text = body.toString('utf8');
      const pattern = dynamic ? /import\s*\(?\s*"\.\/([^"]+\.js)"|from\s*"\.\/([^"]+\.js)"/g : /import\s*"\.\/([^"]+\.js)"|from\s*"\.\/([^"]+\.js)"/g;
      for (const m of text.matchAll(pattern)) queue.push(new URL(`./${m[1] ?? m[2]}`, url).toString());
    }
    return bytes;
  };
  const html = await (await fetch(`${base}${path}`)).text();
  const links = (pattern: RegExp) => [...html.matchAll(pattern)].map((m) => `${base}${m[1]}`);
  let cssGzip = 0;
  for (const url of links(/<link rel="stylesheet" href="([^"]+)"/g)) cssGzip += await gz(url);
  const jsGzip = await scriptsFrom(links(/<script[^>]* src="([^"]+)"/g));
  const htmlGzip = gzipSync(html, { level: 9 }).length;
  return { page: path, htmlGzip, cssGzip, jsGzip, totalGzip: htmlGzip + cssGzip + jsGzip };
}

export async function measureSite(): Promise<{ lighthouse: LighthouseRow[]; weights: PageWeight[] }> {
  const platform = await startPlatform({ port: 0 });
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM_PATH, chromeFlags: CHROMIUM_ARGS });
  try {
    const lessonIds = [...platform.site.objects.keys()].filter((k) => k.startsWith('lessons/')).map((k) => k.split('/')[1]!);
    // /authors/ as Lighthouse sees it: signed out (the filled dashboard is checked by axe in test/e2e/authors-dashboard.test.ts).
    const pages = ['/', '/lessons/authorization-code-pkce/', '/reviews/', '/stats/', '/authors/'];
    const rows: LighthouseRow[] = [];
    for (const path of pages) {
      const result = await lighthouse(`${platform.url}${path}`, { port: chrome.port, output: 'json', logLevel: 'error' });
      if (!result) throw new Error(`Lighthouse returned nothing for ${path}`);
      const { categories, audits } = result.lhr;
      rows.push({
        page: path,
        performance: score(categories.performance?.score),
        accessibility: score(categories.accessibility?.score),
        bestPractices: score(categories['best-practices']?.score),
        seo: score(categories.seo?.score),
        lcpMs: Math.round(audits['largest-contentful-paint']?.numericValue ?? NaN),
        tbtMs: Math.round(audits['total-blocking-time']?.numericValue ?? NaN),
        cls: Number((audits['cumulative-layout-shift']?.numericValue ?? NaN).toFixed(3)),
        bytes: Math.round(audits['total-byte-weight']?.numericValue ?? NaN),
      });
    }
    const weights: PageWeight[] = [];
    for (const id of lessonIds.sort()) weights.push(await pageWeight(platform.url, `/lessons/${id}/`));
    weights.push(await pageWeight(platform.url, '/reviews/', true), await pageWeight(platform.url, '/stats/', true));
    return { lighthouse: rows, weights };
  } finally {
    await chrome.kill();
    await platform.stop();
  }
}
