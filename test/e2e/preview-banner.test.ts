import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../bin/local/platform';
import { repoRoot } from '../../lib/paths';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium';

describe.runIf(chromiumAvailable())('live preview error banner in a real browser', () => {
  let platform: Platform;
  let browser: Browser;
  let page: Page;
  let contentDir: string;
  const lesson = () => join(contentDir, 'security/tokens/jwt-structure.md');
  const cspViolations: string[] = [];

  beforeAll(async () => {
    contentDir = mkdtempSync(join(tmpdir(), 'rungs-banner-'));
    cpSync(join(repoRoot, 'content'), contentDir, { recursive: true });
    platform = await startPlatform({ port: 0, watch: true, contentDir, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `banner-${randomUUID()}` });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    rmSync(contentDir, { recursive: true, force: true });
  });

  it('shows a saved mistake on the lesson page and the home page, styled, and clears it once fixed', async () => {
    // Prepare
    const good = readFileSync(lesson(), 'utf8');
    await page.goto(`${platform.url}/lessons/jwt-structure/`);
    await expect(page.locator('[data-dev-banner]').count()).resolves.toBe(0);

    // Act: the author saves a raw <script> into the lesson
    writeFileSync(lesson(), good.replace(/\n## /, '\n<script>alert(1)</script>\n\n## '));

    // Assess
    const banner = page.locator('[data-dev-banner]');
    await expect.poll(async () => (await page.reload(), banner.count()), { timeout: 15_000 }).toBe(1);
    await expect(banner.getAttribute('role')).resolves.toBe('alert');
    expect(await banner.innerText()).toMatch(/security\/tokens\/jwt-structure\.md:\d+:1 raw HTML "<script>" is not allowed/);
    expect(await banner.evaluate((el) => getComputedStyle(el).position)).toBe('sticky');
    await page.goto(`${platform.url}/`);
    expect(await page.locator('[data-dev-banner]').innerText()).toContain('security/tokens/jwt-structure.md');

    // Act: fixed
    writeFileSync(lesson(), good);

    // Assess
    await expect.poll(async () => (await page.reload(), page.locator('[data-dev-banner]').count()), { timeout: 15_000 }).toBe(0);
    expect(cspViolations).toEqual([]);
  });
});
