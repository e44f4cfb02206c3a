import { CALLBACK_PATH, type AssetManifest } from '../assets';
import { html } from './html';
import { layout } from './layout';

/**
 * Pages that show the learner's own data. Their HTML holds no content, so they are rendered once per
 * build (not per ingest) and filled in by the client; without JavaScript they say what they need.
 */
const needsScript = html`<noscript><p>This page needs JavaScript: it shows your own reviews and account, fetched after you sign in. Lessons work without it.</p></noscript>`;

export function reviewsPage(assets: AssetManifest): string {
  const body = html`<h1>Reviews</h1>
<p class="lead">Exercises you answered come back when you are about to forget them. <a href="/stats/">Your statistics</a></p>
${needsScript}
<div class="reviews" data-state="loading">
<p class="review-counts"></p>
<p class="review-status" role="status" aria-live="polite">Loading your reviews…</p>
<p class="hint keys-hint">Keyboard: <kbd>Space</kbd> or <kbd>Enter</kbd> shows the answer, <kbd>1</kbd>–<kbd>4</kbd> rate it (Again, Hard, Good, Easy), <kbd>Enter</kbd> goes to the next card.</p>
<div class="review-card" tabindex="-1"></div>
<section class="upcoming" aria-labelledby="upcoming-title" hidden><h2 id="upcoming-title">Coming up</h2><ul class="upcoming-list"></ul></section>
</div>`;
  return layout({ title: 'Reviews — Rungs', description: 'Your spaced-repetition reviews across lessons.', body, path: '/reviews/', assets, page: 'reviews' });
}

export function statsPage(assets: AssetManifest): string {
  const body = html`<h1>Statistics</h1>
<p class="lead">How your reviews are going: what comes due, what you did, how much you remember.</p>
${needsScript}
<p class="stats-status" role="status" aria-live="polite">Loading your statistics…</p>
<div class="stats" hidden>
<section aria-labelledby="forecast-title"><h2 id="forecast-title">Forecast: cards due in the next 30 days</h2><div class="chart forecast-chart"></div></section>
<section aria-labelledby="heatmap-title"><h2 id="heatmap-title">Reviews per day, last 90 days</h2><div class="chart heatmap-chart"></div></section>
<section aria-labelledby="retention-title"><h2 id="retention-title">True retention</h2><div class="chart retention-chart"></div></section>
<section aria-labelledby="accuracy-title"><h2 id="accuracy-title">Accuracy per track and lesson</h2><div class="chart accuracy-chart"></div></section>
</div>`;
  return layout({ title: 'Statistics — Rungs', description: 'Your review forecast, activity, retention and accuracy.', body, path: '/stats/', assets, page: 'stats' });
}

export function accountPage(assets: AssetManifest): string {
  const body = html`<h1>Account</h1>
${needsScript}
<div class="account">
<p class="account-status" role="status" aria-live="polite">Loading…</p>
<section class="progress-overview" aria-labelledby="progress-title" hidden><h2 id="progress-title">Your progress</h2><p class="progress-summary"></p><ul class="progress-list"></ul></section>
<form class="account-settings" aria-labelledby="settings-title" hidden>
<h2 id="settings-title">Settings</h2>
<div class="field"><label for="daily-goal">Daily goal (reviews a day)</label> <input id="daily-goal" name="dailyGoal" type="number" min="1" max="500" required></div>
<div class="field"><label for="desired-retention">Desired retention (0.80–0.97): how likely you should still remember a card when it comes back</label> <input id="desired-retention" name="desiredRetention" type="number" min="0.8" max="0.97" step="0.01" required></div>
<p class="hint">Time zone: <span class="time-zone"></span> (from this browser; your day and streak follow it).</p>
<button type="submit">Save settings</button>
<p class="settings-status" role="status" aria-live="polite"></p>
</form>
<section class="account-data" aria-labelledby="data-title" hidden>
<h2 id="data-title">Your data</h2>
<p>Download everything Rungs stores about you as JSON.</p>
<button type="button" class="export-button">Export my data</button>
<p class="export-status" role="status" aria-live="polite"></p>
<h2>Delete my account</h2>
<p>Removes your progress, attempts and reviews. This cannot be undone.</p>
<button type="button" class="delete-button danger">Delete my account…</button>
<div class="delete-confirm" role="group" aria-labelledby="delete-confirm-title" tabindex="-1" hidden>
<p id="delete-confirm-title"><strong>Delete your account and all its data?</strong></p>
<button type="button" class="delete-confirm-button danger">Yes, delete everything</button> <button type="button" class="delete-cancel-button secondary">Cancel</button>
</div>
</section>
</div>`;
  return layout({ title: 'Account — Rungs', description: 'Your progress, your data export and account deletion.', body, path: '/account/', assets, page: 'account' });
}

/** The authors' dashboard: answer statistics and flags per lesson and item, and the latest ingest reports, filled in from `GET /api/authors/stats`. */
export function authorsPage(assets: AssetManifest): string {
  const body = html`<h1>Authors' dashboard</h1>
<p class="lead">How learners answer each exercise: attempts, percent correct, picks per choice and recall self-ratings. Items are flagged once ten learners have answered them.</p>
<noscript><p>This page needs JavaScript: it shows statistics fetched after you sign in as an author.</p></noscript>
<div class="dashboard">
<p class="dashboard-status" role="status" aria-live="polite">Loading statistics…</p>
<section class="dashboard-flags" aria-labelledby="flags-title" hidden><h2 id="flags-title">Flagged items</h2><ul class="flag-list"></ul></section>
<section class="dashboard-reports" aria-labelledby="reports-title" hidden><h2 id="reports-title">Latest ingest reports</h2><p class="reports-empty" hidden>No ingest reports yet: they appear after the next upload.</p></section>
<div class="dashboard-lessons"></div>
</div>`;
  return layout({ title: "Authors' dashboard — Rungs", description: 'Answer statistics of every lesson, for authors.', body, path: '/authors/', assets, page: 'authors' });
}

export function callbackPage(assets: AssetManifest): string {
  const body = html`<h1>Signing in…</h1>
${needsScript}
<p class="callback-status" role="status" aria-live="polite">Finishing sign-in.</p>`;
  return layout({ title: 'Signing in — Rungs', description: 'Finishing sign-in.', body, path: CALLBACK_PATH, assets, page: 'callback' });
}

/**
 * The pages CloudFront shows instead of an origin's error (lib/constructs/site.ts, `errorResponses`):
 * a missing page, and a gateway error or timeout. Their links are absolute: they are served at any path.
 */
export const ERROR_PAGES = { notFound: 'errors/404.html', unavailable: 'errors/unavailable.html' } as const;

/** What every unknown path shows: the site's own page, with its header and a way back. */
export function notFoundPage(assets: AssetManifest): string {
  const body = html`<section class="not-found" aria-labelledby="not-found-title">
<h1 id="not-found-title">Page not found</h1>
<p class="lead">There is no page at this address. It may have moved, or the link may be mistyped.</p>
<p><a href="/">Browse the lessons</a> or <a href="/concepts/">look a concept up</a>.</p>
</section>`;
  return layout({ title: 'Page not found — Rungs', description: 'This page does not exist.', body, path: '/errors/404.html', assets });
}

export function unavailablePage(assets: AssetManifest): string {
  const body = html`<h1>Rungs is not answering</h1>
<p class="lead">Something between you and Rungs failed or took too long. Nothing you did caused it; try again in a minute.</p>
<p><a href="/">Back to the lessons</a></p>`;
  return layout({ title: 'Unavailable — Rungs', description: 'The site could not answer.', body, path: '/errors/unavailable.html', assets });
}

/** Bucket key → HTML of every static page (directory-style URLs, like lesson pages). */
export const staticPages = (assets: AssetManifest) =>
  new Map([
    ['reviews/index.html', reviewsPage(assets)],
    ['stats/index.html', statsPage(assets)],
    ['account/index.html', accountPage(assets)],
    ['authors/index.html', authorsPage(assets)],
    [`${CALLBACK_PATH.slice(1)}index.html`, callbackPage(assets)],
    [ERROR_PAGES.notFound, notFoundPage(assets)],
    [ERROR_PAGES.unavailable, unavailablePage(assets)],
  ]);

/** Bucket key of the page every unknown path shows (CloudFront's custom error response, the local platform). */
export const NOT_FOUND_PAGE = ERROR_PAGES.notFound;
