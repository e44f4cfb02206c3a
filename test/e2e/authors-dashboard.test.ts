import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../support/chromium';
import { shotsDir, startSiteUnderTest, type SiteUnderTest } from '../support/site';

/**
 * The authors' dashboard in a real Chromium against the local platform: ten signed-in learners'
 * answers make the statistics, `alan` (an author in the local issuer) reads them, and a learner's
 * token is refused by the API itself.
 */
const LESSON = 'authorization-code-pkce';

describe.runIf(chromiumAvailable())("the authors' dashboard in a real browser", { timeout: 120_000 }, () => {
  let site: SiteUnderTest;

  beforeAll(async () => {
    site = await startSiteUnderTest('authors');
    // Ten answers, all picking the same choice: the item is flagged and its other distractors are unpicked.
    const token = await site.platform.identity.mintAccessToken('ada');
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${site.platform.url}/api/lessons/${LESSON}/attempts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({ itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } }),
      });
      expect(response.status).toBe(201);
    }
  });
  afterAll(() => site?.stop());

  it('refuses a learner at the API with 403', async () => {
    const token = await site.platform.identity.mintAccessToken('ada');
    const response = await fetch(`${site.platform.url}/api/authors/stats`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
  });

  it('shows an author attempts, percent correct, a picks chart with a text alternative and the flags', async () => {
    // Prepare
    const { page, platform } = site;
    await page.goto(`${platform.url}/authors/`);
    await expect.poll(() => page.locator('.dashboard-status').textContent()).toContain('Sign in to see the statistics');

    // Act: sign in as alan through the issuer's own pages; the site returns to the dashboard.
    await page.locator('.dashboard-status button').click();
    await page.locator('input[name="login"]').fill('alan');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/authors/');

    // Assess
    await expect.poll(() => page.locator('.dashboard-status').textContent()).toMatch(/^\d+ lessons, \d+ exercises, 10 answers, 1 flagged\.$/);
    const row = page.locator(`#lesson-${LESSON}`).locator('xpath=ancestor::section').locator('tr[data-item="pkce-protects"]');
    expect(await row.locator('td').nth(1).textContent()).toBe('10');
    expect(await row.locator('td').nth(2).textContent()).toMatch(/^(0|100) %$/);
    expect(await row.locator('.flagged').textContent()).toContain('a wrong choice nobody picks');
    const chart = page.getByRole('img', { name: /^Picks per choice for pkce-protects: .*stolen-code( \(correct\))? 10/ });
    expect(await chart.count()).toBe(1);
    expect(await page.locator('.flag-list li').first().textContent()).toContain('pkce-protects');
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await page.screenshot({ path: `${shotsDir}/authors-dashboard.png`, fullPage: true });

    // And at phone width: no axe violation, and the charts and tables scroll in their own region, not the page.
    await page.setViewportSize({ width: 390, height: 900 });
    const phone = await new AxeBuilder({ page }).analyze();
    expect(phone.violations.map((v) => `${v.id} @390: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  });
});
