import AxeBuilder from '@axe-core/playwright';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../support/chromium';
import { shotsDir, startSiteUnderTest, type SiteUnderTest } from '../support/site';

/**
 * The authors' dashboard in a real Chromium against the local platform: ten signed-in learners'
 * answers make the statistics, `alan` (an author in the local issuer) reads them, and a learner's
 * token is refused by the API itself.
 */
const LESSON = 'authorization-code-pkce';
const REJECTED_KEY = 'security/oauth/authorization-code-pkce.md';

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
    // An upload through the local bucket that ingest rejects: the newest report on the dashboard.
    const s3 = site.platform.s3!;
    const broken = readFileSync(join(repoRoot, 'content', REJECTED_KEY), 'utf8').replace('level: junior', 'level: expert');
    await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: REJECTED_KEY, Body: broken }));
    await s3.drained();
  });
  afterAll(() => site?.stop());

  it('refuses a learner at the API with 403', async () => {
    const token = await site.platform.identity.mintAccessToken('ada');
    const response = await fetch(`${site.platform.url}/api/authors/stats`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
  });

  it('shows an author attempts, percent correct, a picks chart with a text alternative, the flags and the latest ingest reports', async () => {
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
    // The latest ingest reports, newest first: the rejected upload, with its problem as file:line:col message.
    const reports = page.getByRole('table', { name: /^The latest \d+ ingest reports?, newest first/ });
    const newest = reports.locator('tbody tr').first();
    expect(await newest.locator('th').textContent()).toBe(REJECTED_KEY);
    expect(await newest.locator('.verdict').textContent()).toBe('rejected');
    expect(await newest.locator('.report-problems li').first().textContent()).toMatch(/^security\/oauth\/authorization-code-pkce\.md:7:8 level is the text "expert"/);
    // The start-up sync is a report too: ten of the lessons it published have a row, the rest are counted.
    const startup = reports.locator('tbody tr').nth(1);
    const startupRows = reports.locator(`tbody tr[data-report="${await startup.getAttribute('data-report')}"]`);
    expect(await startupRows.locator('.verdict-live').count()).toBe(10);
    expect(await startupRows.last().textContent()).toMatch(/and \d+ more files\d+ live/);
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
