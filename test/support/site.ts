import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { startPlatform, type Platform } from '../../bin/local/platform';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export const shotsDir = 'test-output/screenshots';

export interface SiteUnderTest {
  platform: Platform;
  browser: Browser;
  /** A desktop-sized page in its own context (downloads accepted). */
  page: Page;
  stop(): Promise<void>;
}

/** The local platform as `npm start` runs it (on the run's DynamoDB Local, a free port) and a Chromium. */
export async function startSiteUnderTest(tablePrefix: string): Promise<SiteUnderTest> {
  const platform = await startPlatform({ port: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `${tablePrefix}-${randomUUID()}` });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  mkdirSync(shotsDir, { recursive: true });
  return {
    platform,
    browser,
    page,
    async stop() {
      await browser.close();
      await platform.stop();
    },
  };
}
