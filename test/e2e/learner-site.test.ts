import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../bin/local/platform';
import { chromiumAvailable } from '../support/chromium';
import { shotsDir, startSiteUnderTest, type SiteUnderTest } from '../support/site';

describe.runIf(chromiumAvailable())('learner site in a real browser', () => {
  let site: SiteUnderTest;
  let platform: Platform;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    site = await startSiteUnderTest('e2e');
    ({ platform, browser, page } = site);
  });

  afterAll(() => site?.stop());

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('shows the catalog on the home page, with tracks, units and level badges', async () => {
    // Act
    const response = await page.goto(`${platform.url}/`);

    // Assess
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Rungs — lessons');
    expect(await page.locator('h1').textContent()).toBe('Lessons');
    expect(await page.locator('h2#track-security').textContent()).toBe('Security');
    const card = page.locator('.lesson-card', { hasText: 'The authorization code flow with PKCE' });
    expect(await card.locator('.level').textContent()).toBe('junior');
    await page.screenshot({ path: `${shotsDir}/home-desktop.png`, fullPage: true });
  });

  it('opens a lesson from the catalog and shows its prose, callouts and exercises', async () => {
    // Act
    await page.goto(`${platform.url}/`);
    await page.getByRole('link', { name: 'The authorization code flow with PKCE' }).click();
    await page.waitForURL('**/lessons/authorization-code-pkce/');

    // Assess
    expect(await page.locator('h1').textContent()).toBe('The authorization code flow with PKCE');
    expect(await page.getByRole('complementary', { name: 'Metaphor' }).isVisible()).toBe(true);
    const mcq = page.locator('form.mcq').first();
    expect(await mcq.locator('legend').textContent()).toContain('What does PKCE protect against?');
    expect(await mcq.getByRole('radio').count()).toBe(4);
    expect(await page.locator('form.ordering .steps li').count()).toBe(6);
    expect(await page.locator('form.mcq').count()).toBe(2);
    expect(await page.getByText('Show the model answer').count()).toBe(3);
    expect(await page.getByRole('heading', { name: 'Summary' }).isVisible()).toBe(true);
    // The answer key stays on the server.
    expect(await page.content()).not.toContain('Exchanging the code requires the code verifier');
    await page.screenshot({ path: `${shotsDir}/lesson-desktop.png`, fullPage: true });
  });

  it('reveals a recall answer without JavaScript and stays readable at phone width', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 320, height: 640 }, javaScriptEnabled: false });
    const phone = await context.newPage();

    // Act
    await phone.goto(`${platform.url}/lessons/authorization-code-pkce/`);
    await phone.getByText('Show the model answer').first().click();

    // Assess
    expect(await phone.getByText('The resource owner (the person) grants access').isVisible()).toBe(true);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: `${shotsDir}/lesson-phone.png`, fullPage: true });
    await context.close();
  });

  it('shows a lesson\'s figure under its hashed name, scaled to a phone\'s width, with no layout shift when it loads', async () => {
    // Prepare: layout shifts are recorded from the first paint on
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const phone = await context.newPage();
    await phone.addInitScript(() => {
      (window as unknown as { shifts: number }).shifts = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!entry.hadRecentInput) (window as unknown as { shifts: number }).shifts += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });

    // Act: the figure is below the fold and loads lazily once scrolled to
    await phone.goto(`${platform.url}/lessons/authorization-code-pkce/`);
    const figure = phone.getByRole('img', { name: /^Sequence of the flow between the app and the authorization server/ });
    await figure.scrollIntoViewIfNeeded();
    await expect.poll(() => figure.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    // Assess
    expect(await figure.getAttribute('src')).toMatch(/^\/figures\/pkce-flow-[A-Za-z0-9]{12}\.svg$/);
    expect(await figure.getAttribute('loading')).toBe('lazy');
    const box = (await figure.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    expect(Math.round(box.height)).toBe(Math.round((box.width * 360) / 640));
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    expect(await phone.evaluate(() => (window as unknown as { shifts: number }).shifts)).toBe(0);
    await context.close();
  });

  it('sandboxes a figure opened on its own: an XHTML meta refresh that slipped past the check navigates nowhere', async () => {
    // Prepare: published behind the check's back, as a stale or hand-uploaded object could be.
    const name = 'figures/redirect-000000000000.svg';
    const hostile = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><h:meta xmlns:h="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=/"/><rect width="10" height="10"/></svg>';
    await platform.site.putImmutable(name, new TextEncoder().encode(hostile), 'image/svg+xml');
    const context = await browser.newContext();
    const tab = await context.newPage();

    // Act
    const response = await tab.goto(`${platform.url}/${name}`);
    const navigated = await tab.waitForURL(`${platform.url}/`, { timeout: 2000 }).then(() => true, () => false);

    // Assess
    expect(navigated).toBe(false);
    expect(tab.url()).toBe(`${platform.url}/${name}`);
    expect(response?.headers()['content-security-policy']).toMatch(/(^|; )sandbox(;|$)/);
    await context.close();
  });

  it('serves the catalog API on the same origin', async () => {
    const response = await page.request.get(`${platform.url}/api/catalog`);
    expect(response.status()).toBe(200);
    const body = await response.json();
    expect(body.tracks[0].units[0].lessons[0].id).toBe('authorization-code-pkce');
  });
});
