import AxeBuilder from '@axe-core/playwright';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../lambdas/store/client';
import * as keys from '../../lambdas/store/keys';
import { chromiumAvailable } from '../support/chromium';
import { startSiteUnderTest, type SiteUnderTest } from '../support/site';

/**
 * What a signed-in learner sees around the review loop, in a real Chromium on the local platform:
 * the time zone the browser reports saved with the account, the lesson page's mastery mark, an
 * ordering card reviewed in a new arrangement with per-step feedback, and the home page's
 * "Continue where you left off" and progress bars per track and unit.
 */
const LESSON_ID = 'authorization-code-pkce';
const LESSON = `/lessons/${LESSON_ID}/`;
const ORDERING = 'code-flow-steps';
const RIGHT_ORDER = ['make-verifier', 'redirect-authorize', 'sign-in', 'redirect-back', 'exchange', 'verify-and-issue'];
const TIME_ZONE = 'America/Sao_Paulo';

async function expectNoAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

const stepOrder = (page: Page) => page.locator('form.ordering .steps li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.step ?? ''));

/** Sorts the ordering exercise into `order` with Enter on the move-up buttons only. */
async function orderWithKeyboard(page: Page, order: string[]) {
  for (const [target, stepId] of order.entries()) {
    let position = (await stepOrder(page)).indexOf(stepId);
    if (position > target) await page.locator(`form.ordering li[data-step="${stepId}"] button.up`).focus();
    while (position > target) {
      await page.keyboard.press('Enter');
      position--;
    }
  }
}

/** A call to the API from inside the page, with the page's own session. */
const callApi = (page: Page, method: string, path: string, body?: unknown) =>
  page.evaluate(
    async ({ method, path, body }) => {
      const token = (JSON.parse(sessionStorage.getItem('rungs.token') ?? '{}') as { accessToken?: string }).accessToken ?? '';
      const response = await fetch(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
    },
    { method, path, body },
  );

describe.runIf(chromiumAvailable())('the review loop around a signed-in learner, in a real browser', () => {
  let site: SiteUnderTest;
  let context: BrowserContext;
  let tab: Page;

  beforeAll(async () => {
    site = await startSiteUnderTest('review-home');
    // The browser says the learner lives in São Paulo (a zone with no older alias); the account should learn it.
    context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: TIME_ZONE });
    tab = await context.newPage();
  });

  afterAll(() => site?.stop());

  it('saves the browser\'s time zone with the account on sign-in and with the settings', async () => {
    // Act: sign in as a dev user from the lesson page
    await tab.goto(`${site.platform.url}${LESSON}`);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.locator('input[name="login"]').fill('ada');
    await tab.locator('input[name="password"]').fill('anything');
    await tab.locator('button[type="submit"]').click();
    await tab.getByRole('button', { name: 'Continue' }).click();
    await tab.waitForURL(`**${LESSON}`);
    const afterSignIn = await callApi(tab, 'GET', '/api/me/settings');

    // Act: save a daily goal in the account
    await tab.goto(`${site.platform.url}/account/`);
    await tab.locator('#daily-goal').fill('7');
    const saving = tab.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith('/api/me/settings'));
    await tab.getByRole('button', { name: 'Save settings' }).click();
    const sent = JSON.parse((await saving).postData() ?? '{}') as { timeZone?: string };
    await expect.poll(() => tab.locator('.settings-status').textContent()).toContain('Saved: 7 reviews a day');

    // Assess
    expect(afterSignIn).toMatchObject({ status: 200, body: { timeZone: TIME_ZONE } });
    expect(await tab.locator('.time-zone').textContent()).toBe(TIME_ZONE);
    expect(sent.timeZone).toBe(TIME_ZONE);
    expect((await callApi(tab, 'GET', '/api/me/settings')).body).toMatchObject({ dailyGoal: 7, timeZone: TIME_ZONE });
  }, 120_000);

  it('marks the lesson page with what is answered and mastered, then reviews the ordering in a new order with each misplaced step marked', async () => {
    // Act: on the lesson page, check the ordering as the page first shows it (never the right order)
    await tab.goto(`${site.platform.url}${LESSON}`);
    const lessonOrder = await stepOrder(tab);
    await tab.getByRole('button', { name: 'Check order' }).click();
    await expect.poll(() => tab.locator('form.ordering .feedback').textContent()).toContain('Not quite.');

    // Assess: the lesson page's feedback gives every step its right position; the mastery mark counts the card
    const notes = await tab.locator('form.ordering .steps li .step-note').allTextContents();
    expect(notes).toEqual(lessonOrder.map((step, i) => (RIGHT_ORDER.indexOf(step) === i ? '✓ right place' : `✗ belongs at position ${RIGHT_ORDER.indexOf(step) + 1}`)));
    await expect.poll(() => tab.locator('.lesson-mastery').textContent()).toBe('1 of 6 answered · 0% mastered');

    // Prepare: the ordering card's interval has gone by
    const store = createStore({ tableName: site.platform.tableName, endpoint: site.platform.dynamo.endpoint });
    const due = new Date(Date.now() - 60_000).toISOString();
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.card('ada', LESSON_ID, ORDERING),
        UpdateExpression: 'SET card.#due = :due, gsi2sk = :sk',
        ExpressionAttributeNames: { '#due': 'due' },
        ExpressionAttributeValues: { ':due': due, ':sk': keys.cardDue('ada', due, LESSON_ID, ORDERING).gsi2sk },
      }),
    );

    // Act: review it, answering with the first two steps swapped
    await tab.goto(`${site.platform.url}/reviews/`);
    await expect.poll(() => tab.locator('.review-card .exercise[data-kind="ordering"]').count(), { timeout: 30_000 }).toBe(1);
    const reviewOrder = await stepOrder(tab);
    const swapped = [RIGHT_ORDER[1]!, RIGHT_ORDER[0]!, ...RIGHT_ORDER.slice(2)];
    await orderWithKeyboard(tab, swapped);
    await tab.getByRole('button', { name: 'Check order' }).click();
    await expect.poll(() => tab.locator('.review-card form.ordering .feedback').textContent()).toContain('Not quite.');

    // Assess: a new arrangement, not the one the lesson showed; the two swapped steps marked with their positions
    expect([...reviewOrder].sort()).toEqual([...RIGHT_ORDER].sort());
    expect(reviewOrder).not.toEqual(lessonOrder);
    expect(await tab.locator('.review-card .steps li.is-misplaced').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.step))).toEqual(swapped.slice(0, 2));
    expect(await tab.locator('.review-card .steps li .step-note').allTextContents()).toEqual(['✗ belongs at position 2', '✗ belongs at position 1', ...Array(4).fill('✓ right place')]);
    expect(await tab.locator('.review-card form.ordering .feedback').textContent()).toContain('2 of 6 steps are out of place');
    expect(await tab.locator('.review-card .steps li .position').allTextContents()).toEqual(['1.', '2.', '3.', '4.', '5.', '6.']);
    await expectNoAxeViolations(tab);
  }, 120_000);

  it('offers to continue the lesson touched last that is not completed, and a progress bar per track and unit', async () => {
    // Prepare: another lesson of the unit started, then the rest of the PKCE lesson answered, so the
    // lesson touched last is the completed one
    expect((await callApi(tab, 'PUT', '/api/me/progress/why-oauth', { status: 'started' })).status).toBe(200);
    for (const body of [
      { itemId: 'pkce-protects', answer: { choices: ['stolen-code'] } },
      { itemId: 'challenge-method', answer: { choices: ['plain-default'] } },
      ...['parties', 'why-public', 'why-s256'].map((prompt) => ({ itemId: 'code-flow-recall', answer: { prompt, rating: 'good' } })),
    ]) {
      expect((await callApi(tab, 'POST', `/api/lessons/${LESSON_ID}/attempts`, body)).status).toBe(201);
    }
    expect((await callApi(tab, 'PUT', `/api/me/progress/${LESSON_ID}`, { status: 'started', position: 'summary' })).body).toMatchObject({ status: 'completed' });

    // Act
    await tab.goto(`${site.platform.url}/`);
    const resume = tab.getByRole('region', { name: 'Continue where you left off' });
    await expect.poll(() => resume.count()).toBe(1);

    // Assess: continue points at the started lesson, not the completed one touched since
    expect(await resume.getByRole('link').allTextContents()).toEqual(['Why OAuth exists']);
    const unit = tab.locator(`.unit:has(.lesson-card[data-lesson="${LESSON_ID}"])`);
    const track = tab.locator(`.track:has(.lesson-card[data-lesson="${LESSON_ID}"])`);
    const [inUnit, inTrack] = [await unit.locator('.lesson-card').count(), await track.locator('.lesson-card').count()];
    expect(inUnit).toBeGreaterThan(1);
    expect(await unit.locator('.group-progress').textContent()).toBe(` 1 of ${inUnit} lessons completed`);
    expect(await unit.locator('.group-progress progress').evaluate((bar) => [(bar as HTMLProgressElement).value, (bar as HTMLProgressElement).max])).toEqual([1, inUnit]);
    expect(await track.locator(':scope > .group-progress').textContent()).toBe(` 1 of ${inTrack} lessons completed`);
    // Another track the learner has not touched shows an empty bar.
    expect(await tab.locator('.track:not(:has(.lesson-card[data-lesson="authorization-code-pkce"])) > .group-progress progress').first().evaluate((bar) => (bar as HTMLProgressElement).value)).toBe(0);
    await expectNoAxeViolations(tab);
  }, 120_000);
});
