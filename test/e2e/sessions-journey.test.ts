import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../bin/local/platform';
import { chromiumAvailable } from '../support/chromium';
import { startSiteUnderTest, type SiteUnderTest } from '../support/site';

/**
 * Sessions in a real Chromium against the local platform (oidc-provider, DynamoDB Local): a second
 * tab and a browser restart stay signed in; an expired access token is refreshed and the answer
 * stored; "sign out everywhere" in one tab ends the other's session on its next API call, with the
 * answer kept and merged after signing in again; a reused refresh token ends the session; the
 * step-up deletion completes after re-authentication; a cancelled sign-in returns with a message.
 */
const LESSON = '/lessons/authorization-code-pkce/';

/** Signs in at the issuer's dev pages: the login form when it asks (it may remember the user), then consent when it asks. */
async function signInAtIssuer(page: Page, platform: Platform, login: string) {
  const back = (url: URL) => url.toString().startsWith(platform.url) && !url.pathname.startsWith('/auth/callback');
  await page.waitForURL((url) => url.toString().startsWith(platform.identity.issuer));
  for (let step = 0; step < 4; step++) {
    const loginField = page.locator('input[name="login"]');
    const consent = page.getByRole('button', { name: 'Continue' });
    await Promise.race([page.waitForURL(back), loginField.waitFor(), consent.waitFor()]);
    if (back(new URL(page.url()))) return;
    if (await loginField.isVisible()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill('anything');
      await page.locator('button[type="submit"]').click();
    } else {
      await consent.click();
    }
    await page.waitForLoadState();
  }
  await page.waitForURL(back);
}

/** Waits for a value: this machine is shared, so a refresh round trip can take seconds. */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000 });

/** The header once the tab knows whether it has a session (it is `pending` until then). */
const header = (page: Page) => page.locator('.auth:not(.pending) .auth-user');
const authButton = (page: Page) => page.locator('.auth:not(.pending) .auth-button');
const sessionCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === '__Host-rungs-session');
const tokenOf = (page: Page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('rungs.token') ?? '{}').accessToken as string | undefined);

async function answerMcq(page: Page) {
  await page.getByLabel('An attacker who intercepts the authorization code and redeems it.').check();
  await page.locator('form.mcq').first().getByRole('button', { name: 'Check answer' }).click();
}

describe.runIf(chromiumAvailable())('sessions in a real browser', () => {
  let site: SiteUnderTest;
  let platform: Platform;
  let tabA: Page;
  let context: BrowserContext;

  beforeAll(async () => {
    // Revocation rides on the limiter's write; on this shared machine give DynamoDB Local time to answer.
    process.env.RATE_LIMIT_STORE_TIMEOUT_MS = '5000';
    site = await startSiteUnderTest('sessions');
    ({ platform, page: tabA } = site);
    context = tabA.context();
  });
  afterAll(() => site?.stop());

  const exportFor = async (token: string) => (await fetch(`${platform.url}/api/me/export`, { headers: { authorization: `Bearer ${token}` } })).json();

  it('returns to the page with a short message when sign-in is cancelled at the issuer', async () => {
    // Act
    await tabA.goto(`${platform.url}${LESSON}`);
    await authButton(tabA).click();
    await tabA.getByRole('link', { name: '[ Cancel ]' }).click();

    // Assess
    await tabA.waitForURL(`**${LESSON}`);
    await eventually(() => header(tabA).textContent()).toBe('Sign-in was cancelled.');
    expect(await authButton(tabA).textContent()).toBe('Sign in');
  });

  it('signs in as ada and stays signed in in a second tab, with the cookie out of reach of page script', async () => {
    // Act
    await tabA.goto(`${platform.url}${LESSON}`);
    await authButton(tabA).click();
    await signInAtIssuer(tabA, platform, 'ada');
    const tabB = await context.newPage();
    await tabB.goto(`${platform.url}/reviews/`);

    // Assess
    await eventually(() => header(tabA).textContent()).toBe('Signed in as ada');
    await eventually(() => header(tabB).textContent()).toBe('Signed in as ada');
    const cookie = (await sessionCookie(context))!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(await tabA.evaluate(() => document.cookie)).not.toContain('rungs-session');
    await tabB.close();
  });

  it('refreshes an access token that expired mid-session and stores the answer', async () => {
    // Prepare: the tab holds a genuine token that has just expired (the tab's clock does not know yet).
    const expired = platform.identity.signWithIssuerKey({ sub: 'ada', aud: platform.identity.clientId, iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 }, { typ: 'at+jwt' });
    await tabA.evaluate((token) => sessionStorage.setItem('rungs.token', JSON.stringify({ accessToken: token, expiresAt: Date.now() + 600_000, sub: 'ada' })), expired);
    const statuses: number[] = [];
    tabA.on('response', (r) => r.url().includes('/attempts') && statuses.push(r.status()));

    // Act
    await answerMcq(tabA);

    // Assess: refused once, refreshed, retried and stored.
    await eventually(() => tabA.locator('form.mcq').first().locator('.feedback').textContent()).toContain('Next review');
    expect(statuses).toEqual([401, 201]);
    const token = (await tabA.evaluate(() => JSON.parse(sessionStorage.getItem('rungs.token')!).accessToken as string))!;
    expect(token).not.toBe(expired);
    expect((await exportFor(token)).attempts).toHaveLength(1);
  });

  it('keeps the session through an outage of the sign-in service: the refresh is retried later and the answer stored', async () => {
    // Prepare: a tab signed in through the cookie, holding a token that has just expired; the
    // refresh route answers 503 (the issuer is down) once, then works again.
    const tab = await context.newPage();
    await tab.goto(`${platform.url}${LESSON}`);
    await eventually(() => header(tab).textContent()).toBe('Signed in as ada');
    const expired = platform.identity.signWithIssuerKey({ sub: 'ada', aud: platform.identity.clientId, iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 }, { typ: 'at+jwt' });
    await tab.evaluate((token) => sessionStorage.setItem('rungs.token', JSON.stringify({ accessToken: token, expiresAt: Date.now() + 600_000, sub: 'ada' })), expired);
    const refreshes: number[] = [];
    let outage = true;
    await tab.route('**/api/auth/refresh', async (route) => {
      if (!outage) return route.continue();
      outage = false;
      await route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json' }, body: '{"title":"Service Unavailable"}' });
    });
    tab.on('response', (r) => r.url().includes('/api/auth/refresh') && refreshes.push(r.status()));
    const attempts: number[] = [];
    tab.on('response', (r) => r.url().includes('/attempts') && attempts.push(r.status()));

    // Act
    await answerMcq(tab);

    // Assess: the 503 did not end the session; the retried refresh and the answer went through.
    // (ada answered this item earlier in the visit, so the stored answer is practice.)
    await eventually(() => tab.locator('form.mcq').first().locator('.feedback').textContent()).toMatch(/next review in/i);
    expect(refreshes).toEqual([503, 200]);
    expect(attempts).toEqual([401, 201]);
    expect(await header(tab).textContent()).toBe('Signed in as ada');
    expect(await sessionCookie(context)).toBeDefined();
    await tab.close();
  }, 60_000);

  it('shows a page loaded during an outage of the sign-in service as still signed in, and shows the learner\'s own page once it is back', async () => {
    // Prepare: a new tab (no token yet) whose refresh on load meets the outage (Retry-After 3 s: the
    // background retries outlast the test's look at the header on a busy machine).
    const tab = await context.newPage();
    let outage = true;
    await tab.route('**/api/auth/refresh', (route) =>
      outage ? route.fulfill({ status: 503, headers: { 'retry-after': '3', 'content-type': 'application/problem+json' }, body: '{"title":"Service Unavailable"}' }) : route.continue(),
    );

    // Act
    await tab.goto(`${platform.url}/reviews/`);
    await eventually(() => header(tab).textContent()).toContain('You are still signed in');
    // Neither a sign-in prompt nor a sign-in button: the session goes on, only the service is down.
    await eventually(() => tab.locator('.review-status').textContent()).toContain('You are still signed in: your reviews will show');
    expect(await authButton(tab).textContent()).toBe('Sign out');
    outage = false;

    // Assess: the background retry finds the session and the page shows the learner's reviews.
    await eventually(() => header(tab).textContent()).toBe('Signed in as ada');
    await eventually(() => tab.locator('.review-status').textContent()).not.toMatch(/Sign in to see|still signed in/);
    expect(await authButton(tab).textContent()).toBe('Sign out');
    await tab.close();
  }, 60_000);

  it('keeps an answer through an outage longer than the refresh retries and saves it on the next page load', async () => {
    // Prepare: an expired token, and a refresh route that answers 503 until the outage ends.
    const tab = await context.newPage();
    await tab.goto(`${platform.url}${LESSON}`);
    await eventually(() => header(tab).textContent()).toBe('Signed in as ada');
    const expired = platform.identity.signWithIssuerKey({ sub: 'ada', aud: platform.identity.clientId, iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 }, { typ: 'at+jwt' });
    await tab.evaluate((token) => sessionStorage.setItem('rungs.token', JSON.stringify({ accessToken: token, expiresAt: Date.now() + 600_000, sub: 'ada' })), expired);
    let outage = true;
    await tab.route('**/api/auth/refresh', async (route) =>
      outage ? route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json' }, body: '{"title":"Service Unavailable"}' }) : route.continue(),
    );
    const before = (await exportFor((await platform.identity.mintAccessToken('ada'))!)).attempts.length;

    // Act: answer during the outage, then come back to a page once it is over.
    await answerMcq(tab);
    await eventually(() => tab.locator('form.mcq').first().locator('.feedback').textContent()).toContain('this answer is kept');
    const kept = await tab.evaluate(() => JSON.parse(localStorage.getItem('rungs.work') ?? '[]').length);
    outage = false;
    await tab.reload();

    // Assess: the answer was kept (never lost) and then saved to the account once, as a merge.
    expect(kept).toBe(1);
    await eventually(() => tab.evaluate(() => localStorage.getItem('rungs.work'))).toBeNull();
    const after = (await exportFor((await platform.identity.mintAccessToken('ada'))!)).attempts;
    expect(after).toHaveLength(before + 1);
    expect(after.filter((a: { source: string }) => a.source === 'merge').length).toBeGreaterThanOrEqual(1);
    expect(await header(tab).textContent()).toBe('Signed in as ada');
    await tab.close();
  }, 90_000);

  it('stays signed in when the answer to a refresh is lost on the way: the retry with the same cookie gets it', async () => {
    // Prepare: an expired token; the next refresh reaches the backend, which rotates, but its answer
    // never reaches the page (as when a tab reloads mid-refresh or the network drops the response):
    // the browser keeps the cookie it sent.
    const tab = await context.newPage();
    await tab.goto(`${platform.url}${LESSON}`);
    await eventually(() => header(tab).textContent()).toBe('Signed in as ada');
    const expired = platform.identity.signWithIssuerKey({ sub: 'ada', aud: platform.identity.clientId, iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 }, { typ: 'at+jwt' });
    await tab.evaluate((token) => sessionStorage.setItem('rungs.token', JSON.stringify({ accessToken: token, expiresAt: Date.now() + 600_000, sub: 'ada' })), expired);
    const sent = (await sessionCookie(context))!;
    let lost = 0;
    let rotated: number | undefined;
    await tab.route('**/api/auth/refresh', async (route) => {
      if (lost++ > 0) return route.continue();
      try {
        // Sent from the test, not the page: the browser's Fetch Metadata the CSRF check wants is added by hand.
        const headers = { ...route.request().headers(), 'sec-fetch-site': 'same-origin', origin: platform.url };
        rotated = (await route.fetch({ headers })).status();
        await context.addCookies([sent]);
      } finally {
        await route.abort('connectionreset');
      }
    });
    const attempts: number[] = [];
    tab.on('response', (r) => r.url().includes('/attempts') && attempts.push(r.status()));

    // Act
    await answerMcq(tab);

    // Assess: the retried refresh got the rotation's answer; the answer was stored; still signed in.
    await eventually(() => tab.locator('form.mcq').first().locator('.feedback').textContent()).toMatch(/next review in/i);
    expect(rotated).toBe(200);
    expect(lost).toBe(2);
    expect(attempts).toEqual([401, 201]);
    expect(await header(tab).textContent()).toBe('Signed in as ada');
    expect((await sessionCookie(context))!.value).not.toBe(sent.value);
    await tab.close();
    const next = await context.newPage();
    await next.goto(`${platform.url}/`);
    await eventually(() => header(next).textContent()).toBe('Signed in as ada');
    await next.close();
  }, 60_000);

  it('says so when signing out everywhere does not go through, and keeps the session', async () => {
    // Prepare: the route answers 503 once (the service is down).
    await tabA.goto(`${platform.url}/account/`);
    await eventually(() => header(tabA).textContent()).toBe('Signed in as ada');
    await tabA.route('**/api/auth/sign-out-everywhere', (route) => route.fulfill({ status: 503, headers: { 'content-type': 'application/problem+json' }, body: '{"title":"Service Unavailable"}' }), { times: 1 });

    // Act
    await tabA.getByRole('button', { name: 'Sign out everywhere' }).click();

    // Assess
    await eventually(() => tabA.locator('.account-status').textContent()).toContain('may not have gone through');
    expect(await header(tabA).textContent()).toBe('Signed in as ada');
    expect(await sessionCookie(context)).toBeDefined();
    await tabA.unroute('**/api/auth/sign-out-everywhere');
  });

  it('signs out everywhere in tab A: tab B is refused on its next call, shows signed out, keeps the answer and saves it after signing in again', async () => {
    // Prepare: tab B signed in on the lesson page.
    const tabB = await context.newPage();
    await tabB.goto(`${platform.url}${LESSON}`);
    await eventually(() => header(tabB).textContent()).toBe('Signed in as ada');

    // Act: sign out everywhere from the account page of tab A, then answer in tab B.
    await tabA.goto(`${platform.url}/account/`);
    await tabA.getByRole('button', { name: 'Sign out everywhere' }).click();
    await eventually(() => tabA.locator('.account-status').textContent()).toContain('Signed out on every device');
    const refused = tabB.waitForResponse((r) => r.url().includes('/attempts') && r.request().headers().authorization !== undefined);
    await answerMcq(tabB);

    // Assess
    expect((await refused).status()).toBe(401);
    await eventually(() => tabB.locator('form.mcq').first().locator('.feedback').textContent()).toContain('this answer is kept');
    await eventually(() => authButton(tabB).textContent()).toBe('Sign in');
    expect(await header(tabB).textContent()).toContain('Your session has ended');
    expect(await sessionCookie(context)).toBeUndefined();

    // Act + Assess: signing in again (after the revocation second) saves the kept answer.
    await new Promise((r) => setTimeout(r, 1100));
    await authButton(tabB).click();
    await signInAtIssuer(tabB, platform, 'ada');
    await eventually(() => header(tabB).textContent()).toBe('Signed in as ada');
    const token = (await tokenOf(tabB))!;
    const merged = (await exportFor(token)).attempts.filter((a: { source: string }) => a.source === 'merge');
    // One more than the earlier outage test merged.
    expect(merged).toHaveLength(2);
    await tabB.close();
  }, 60_000);

  it('ends the session when a refresh token that was already used comes back', async () => {
    // Prepare: new tabs rotate the cookie twice; keep the cookie from before (its successor was used,
    // so it is no answer lost on the way but a copy).
    await tabA.goto(`${platform.url}/`);
    await eventually(() => header(tabA).textContent()).toBe('Signed in as ada');
    const used = (await sessionCookie(context))!;
    for (let rotation = 0; rotation < 2; rotation++) {
      const rotate = await context.newPage();
      await rotate.goto(`${platform.url}/`);
      await eventually(() => header(rotate).textContent()).toBe('Signed in as ada');
      await rotate.close();
    }
    const current = (await sessionCookie(context))!;
    expect(current.value).not.toBe(used.value);

    // Act: the used cookie is presented again (a stolen copy), from a tab that needs a token.
    await context.addCookies([used]);
    const thief = await context.newPage();
    await thief.goto(`${platform.url}/`);

    // Assess: refused, and the current cookie of the family is refused too; so is the access token
    // the family's owner still holds (its next call is refused and it shows signed out).
    await eventually(() => authButton(thief).textContent()).toBe('Sign in');
    await tabA.goto(`${platform.url}/account/`);
    await eventually(() => authButton(tabA).textContent()).toBe('Sign in');
    await context.addCookies([current]);
    const owner = await context.newPage();
    await owner.evaluate(() => localStorage.setItem('rungs.signed-in', '1')).catch(() => undefined);
    await owner.goto(`${platform.url}/`);
    await owner.evaluate(() => localStorage.setItem('rungs.signed-in', '1'));
    await owner.reload();
    await eventually(() => authButton(owner).textContent()).toBe('Sign in');
    await thief.close();
    await owner.close();
  }, 60_000);

  it('stays signed in after a browser restart (the cookie outlives the browser session)', async () => {
    // Prepare: sign grace in, keep cookies and local storage as a restarted browser would.
    const first = await site.browser.newContext();
    const page = await first.newPage();
    await page.goto(`${platform.url}/`);
    await authButton(page).click();
    await signInAtIssuer(page, platform, 'grace');
    await eventually(() => header(page).textContent()).toBe('Signed in as grace');
    const state = await first.storageState();
    await first.close();

    // Act
    const restarted = await site.browser.newContext({ storageState: state });
    const again = await restarted.newPage();
    await again.goto(`${platform.url}/account/`);

    // Assess
    await eventually(() => header(again).textContent()).toBe('Signed in as grace');
    await restarted.close();
  });

  it('asks for a fresh sign-in before deleting the account and then completes the deletion', async () => {
    // Prepare: ada signed in, but her sign-in (auth_time) is ten minutes old.
    await tabA.evaluate(() => sessionStorage.clear());
    await tabA.goto(`${platform.url}/`);
    await eventually(() => authButton(tabA).textContent()).toBe('Sign in');
    await authButton(tabA).click();
    await signInAtIssuer(tabA, platform, 'ada');
    await eventually(() => header(tabA).textContent()).toBe('Signed in as ada');
    const now = Math.floor(Date.now() / 1000);
    const stale = platform.identity.signWithIssuerKey({ sub: 'ada', aud: platform.identity.clientId, auth_time: now - 600, exp: now + 600 }, { typ: 'at+jwt' });
    await tabA.evaluate((token) => sessionStorage.setItem('rungs.token', JSON.stringify({ accessToken: token, expiresAt: Date.now() + 600_000, sub: 'ada' })), stale);
    await tabA.goto(`${platform.url}/account/`);
    const stepUp = tabA.waitForResponse((r) => r.url().endsWith('/api/me') && r.request().method() === 'DELETE');

    // Act: confirm once; the issuer asks for the password again.
    await tabA.getByRole('button', { name: 'Delete my account…' }).click();
    await tabA.getByRole('button', { name: 'Yes, delete everything' }).click();
    const challenge = await stepUp;
    expect(challenge.status()).toBe(401);
    expect(challenge.headers()['www-authenticate']).toContain('error="insufficient_user_authentication"');
    expect(challenge.headers()['www-authenticate']).toContain('max_age=300');
    await tabA.waitForURL((url) => url.toString().startsWith(platform.identity.issuer));
    expect(new URL(tabA.url()).origin).toBe(platform.identity.issuer);
    await signInAtIssuer(tabA, platform, 'ada');

    // Assess: back on the account page, the deletion completed without confirming again.
    await tabA.waitForURL('**/account/');
    await eventually(() => tabA.locator('.account-status').textContent()).toContain('deleted');
    expect(await sessionCookie(context)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    const after = await exportFor(await platform.identity.mintAccessToken('ada'));
    expect(after.attempts).toEqual([]);
  }, 90_000);
});
