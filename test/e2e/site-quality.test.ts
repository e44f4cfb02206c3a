import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../bin/local/platform';
import { chromiumAvailable } from '../support/chromium';
import { startSiteUnderTest, type SiteUnderTest } from '../support/site';

/**
 * Qualities every page of the site keeps, checked on every page rather than a sample: axe at desktop
 * and phone widths, multiple-choice layout that gives nothing away, nothing that posts raw JSON
 * without JavaScript, keyboard-scrollable code, the styled 404 page and the ranked, shareable search.
 */
const widths = [1280, 390] as const;

async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map((v) => `${page.url()} @${page.viewportSize()?.width}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe.runIf(chromiumAvailable())('every page of the site', () => {
  let site: SiteUnderTest;
  let platform: Platform;
  let browser: Browser;
  let lessonPaths: string[];

  beforeAll(async () => {
    site = await startSiteUnderTest('quality');
    ({ platform, browser } = site);
    const catalog = (await (await fetch(`${platform.url}/api/catalog`)).json()) as { tracks: { units: { lessons: { id: string }[] }[] }[] };
    lessonPaths = catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons.map((l) => `/lessons/${l.id}/`)));
  });

  afterAll(() => site?.stop());

  for (const width of widths) {
    it(`has no axe violation and no sideways scrolling on any page at ${width} px`, async () => {
      // Prepare
      const paths = ['/', '/concepts/', '/reviews/', '/stats/', '/account/', '/authors/', '/no-such-page/', ...lessonPaths];
      const found: string[] = [];
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();

      // Act
      for (const path of paths) {
        await page.goto(`${platform.url}${path}`);
        found.push(...(await axeViolations(page)));
        // Nothing makes the whole page scroll sideways: wide code and tables scroll in their own region.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) found.push(`${path} @${width}: the page scrolls sideways by ${overflow} px`);
      }
      await context.close();

      // Assess
      expect(lessonPaths.length).toBeGreaterThan(0);
      expect(found).toEqual([]);
    }, 600_000);
  }

  it('lays out every multiple-choice option the same way, whatever its length', async () => {
    for (const width of widths) {
      // Prepare: the browser's text at 200 % is approximated by doubling the root font size.
      for (const zoom of ['100%', '200%']) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        for (const path of lessonPaths) {
          await page.goto(`${platform.url}${path}`);
          await page.evaluate((size) => (document.documentElement.style.fontSize = size), zoom);

          // Act: where each option's control and label start
          const boxes = await page.$$eval('form.mcq .choice', (choices) =>
            choices.map((choice) => {
              const input = choice.querySelector('input')!.getBoundingClientRect();
              const label = choice.querySelector('label')!.getBoundingClientRect();
              return { form: choice.closest('form')!.dataset.item, inputLeft: input.left, labelLeft: label.left, labelTop: label.top, inputTop: input.top, labelBelowInput: label.top >= input.bottom };
            }),
          );

          // Assess: the label always starts beside its control, at the same column for every option
          for (const box of boxes) expect(box.labelBelowInput, `${path} ${box.form} at ${width}px, ${zoom}`).toBe(false);
          const byForm = new Map<string | undefined, typeof boxes>();
          for (const box of boxes) byForm.set(box.form, [...(byForm.get(box.form) ?? []), box]);
          for (const [item, options] of byForm) {
            expect(new Set(options.map((o) => Math.round(o.labelLeft))).size, `${path} ${item} at ${width}px, ${zoom}`).toBe(1);
            expect(new Set(options.map((o) => Math.round(o.inputLeft))).size).toBe(1);
          }
        }
        await context.close();
      }
    }
  }, 240_000);

  it('never offers a button that posts raw JSON when JavaScript is off', async () => {
    // Prepare
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();

    for (const path of ['/', '/reviews/', '/stats/', '/account/', ...lessonPaths.slice(0, 3)]) {
      // Act
      await page.goto(`${platform.url}${path}`);
      const visibleButtons = await page.locator('button:visible').count();
      const posting = await page.locator('form[action], form[method="post"]').count();

      // Assess
      expect(visibleButtons, path).toBe(0);
      expect(posting, path).toBe(0);
    }
    // Chromium's parser treats <noscript> as text when scripting is merely disabled by the test, so
    // the sentence is checked in the markup a browser without JavaScript renders.
    const html = await (await fetch(`${platform.url}${lessonPaths[0]}`)).text();
    expect(html).toMatch(/<noscript><p class="hint">Checking an answer needs JavaScript/);
    await context.close();
  });

  it('lets the keyboard reach every code block', async () => {
    const page = await browser.newPage();
    let blocks = 0;
    for (const path of lessonPaths) {
      await page.goto(`${platform.url}${path}`);
      const notFocusable = await page.$$eval('pre', (pres) => pres.filter((p) => p.tabIndex < 0).length);
      blocks += await page.locator('pre').count();
      expect(notFocusable, path).toBe(0);
    }
    expect(blocks).toBeGreaterThan(0);
    await page.close();
  });

  it('answers an unknown path with the styled 404 page and the site CSP', async () => {
    // Act
    const response = await fetch(`${platform.url}/lessons/no-such-lesson/`);
    const body = await response.text();

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(body).toContain('<header class="site-header">');
    expect(body).toContain('Page not found');
  });

  it('finds lessons by stem and prefix, ranked, and keeps the query in the URL', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(`${platform.url}/`);

    // Act
    await page.getByLabel('Search lessons').fill('idempotent');

    // Assess
    await expect.poll(() => page.locator('.search-results .lesson-card').count()).toBeGreaterThan(0);
    expect(await page.locator('.search-results .lesson-card a').first().textContent()).toMatch(/idempoten/i);
    expect(new URL(page.url()).searchParams.get('q')).toBe('idempotent');

    // Act: a shared link restores the search
    await page.goto(`${platform.url}/?q=idempot&level=middle`);
    await expect.poll(() => page.locator('.search-results').isVisible()).toBe(true);
    expect(await page.getByLabel('Search lessons').inputValue()).toBe('idempot');
    const levels = await page.locator('.search-results .lesson-card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.level));
    expect(levels.every((l) => l === 'middle')).toBe(true);
    await page.close();
  });

  it('keeps the phone header to one row', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${platform.url}/`);
    const heights = await page.$eval('.site-header', (header) => {
      const tops = Array.from(header.querySelectorAll('.brand, nav a, .auth')).filter((e) => e.getClientRects().length > 0).map((e) => Math.round(e.getBoundingClientRect().top / 10));
      return new Set(tops).size;
    });
    expect(heights).toBe(1);
    const headerOverflow = await page.$eval('.site-header', (header) => header.scrollWidth - header.clientWidth);
    expect(headerOverflow).toBeLessThanOrEqual(0);
    // Signed in, the row is at its widest: a two-digit due badge and "Sign out".
    const signedInOverflow = await page.$eval('.site-header', (header) => {
      const badge = header.querySelector<HTMLElement>('.due-badge')!;
      badge.textContent = '12';
      badge.hidden = false;
      header.querySelector('.auth-button')!.textContent = 'Sign out';
      return header.scrollWidth - header.clientWidth;
    });
    expect(signedInOverflow).toBeLessThanOrEqual(0);
    await context.close();
  });
});
