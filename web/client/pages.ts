import { api, ApiError, SessionEnded, SessionUnavailable } from './api';
import { todaySummary } from './today';
import { completeSignIn, forgetSession, session, sessionUndecided, signIn, signOutEverywhere } from './auth';
import { $, $$, announce, el } from './dom';
import { enhanceExercises, type Answer, type Grade } from './exercises';
import { score } from './search';
import { accountProgress, allProgress, clearLocalProgress, keepWork, localProgress, mergeLocalWork, previousReceipt, recordProgress, type Mastery } from './progress';

const KEPT = 'You are signed out: this answer is kept and will be saved to your account when you sign in again.';
const KEPT_OUTAGE = 'The sign-in service is not answering: this answer is kept and will be saved to your account on your next visit to a page.';

/**
 * Sends an answer for the account. Without a session it is graded anonymously and kept for the
 * merge on sign-in; when the session ends on the way, or cannot be refreshed during an outage of the
 * sign-in service, the same happens (never a lost answer): kept work is merged on sign-in and on
 * every page load while signed in.
 */
export async function sendKept(lessonId: string, itemId: string, answer: Answer, signedIn: () => Promise<Grade>): Promise<Grade> {
  let notice: string | undefined;
  if (session()) {
    try {
      return await signedIn();
    } catch (error) {
      if (!(error instanceof SessionEnded || error instanceof SessionUnavailable)) throw error;
      notice = error instanceof SessionEnded ? KEPT : KEPT_OUTAGE;
    }
  }
  const previous = previousReceipt(lessonId, itemId, answer);
  const grade = await api<Grade>('POST', `/api/lessons/${encodeURIComponent(lessonId)}/attempts`, { itemId, answer, ...(previous ? { previous } : {}) }, { anonymous: true });
  if (grade.receipt) keepWork(grade.receipt, answer, { lessonId, itemId });
  return notice ? { ...grade, notice } : grade;
}

/** One function per page kind (`<body data-page>`). */

/** "Completed" and "mastered" are different things, and both are shown. */
export const masteryText = (m: Mastery) => `${m.completed ? 'Completed' : `${m.answered} of ${m.total} answered`} · ${Math.round(m.mastery * 100)}% mastered`;

/**
 * The lesson is completed once every card (each mcq, ordering and recall prompt) has an answer.
 * Signed in, the server decides that from the learner's cards (answers from earlier visits count,
 * the status sent here is only a hint); anonymously, this page load's answers are all there is.
 */
export function lessonPage(): void {
  const article = $('article.lesson');
  const lessonId = article?.dataset.lessonId;
  if (!article || !lessonId) return;
  const answered = new Set<string>();
  const cards = $$('.exercise', article).flatMap((ex) => (ex.dataset.kind === 'recall' ? $$('li[data-prompt]', ex).map((li) => `${ex.dataset.item}--${li.dataset.prompt}`) : [ex.dataset.item!]));
  const mark = el('p', { class: 'lesson-mastery meta', role: 'status' });
  $('h1', article)?.after(mark);
  const refresh = async () => {
    if (!session()) return;
    const { mastery } = await api<{ mastery: Record<string, Mastery> }>('GET', '/api/me/progress');
    if (mastery[lessonId]) mark.textContent = masteryText(mastery[lessonId]);
  };
  void refresh().catch(() => undefined);
  enhanceExercises(
    article,
    (itemId, answer) => sendKept(lessonId, itemId, answer, () => api<Grade>('POST', `/api/lessons/${encodeURIComponent(lessonId)}/attempts`, { itemId, answer }, { idempotent: true })),
    (itemId) => {
      answered.add(itemId);
      void recordProgress(lessonId, answered.size >= cards.length ? 'completed' : 'started').catch(() => undefined);
      void refresh().catch(() => undefined);
    },
  );
}

/**
 * Level filter and ranked search. Without a query the catalog stays in its order with non-matching
 * levels hidden; with one, the matching lessons are listed best first. Both live in the URL
 * (`?q=…&level=…`), so a search can be shared and survives a reload.
 */
function enhanceCatalogFilter(form: HTMLFormElement): void {
  form.classList.remove('pending');
  const search = $<HTMLInputElement>('#catalog-search', form)!;
  const level = $<HTMLSelectElement>('#catalog-level', form)!;
  const results = $<HTMLOListElement>('.search-results')!;
  const cards = $$('.track .lesson-card');
  const params = new URLSearchParams(location.search);
  search.value = params.get('q') ?? '';
  level.value = params.get('level') ?? '';
  const apply = () => {
    const query = search.value.trim();
    const levelOk = (card: HTMLElement) => !level.value || card.dataset.level === level.value;
    let shown = 0;
    results.replaceChildren();
    if (query) {
      const ranked = cards
        .map((card, order) => ({ card, order, score: levelOk(card) ? score(query, { title: card.dataset.title ?? '', concepts: card.dataset.concepts ?? '', summary: card.dataset.summary ?? '' }) : 0 }))
        .filter((r) => r.score > 0)
        .sort((a, b) => b.score - a.score || a.order - b.order);
      results.append(...ranked.map(({ card }) => card.cloneNode(true)));
      shown = ranked.length;
    } else {
      for (const card of cards) {
        card.hidden = !levelOk(card);
        if (!card.hidden) shown++;
      }
      // Units and tracks with nothing left to show disappear with their headings.
      for (const group of $$('.unit, .track')) group.hidden = !$$('.lesson-card', group).some((c) => !c.hidden);
    }
    results.hidden = !query;
    for (const track of $$('.track')) if (query) track.hidden = true;
    const next = new URLSearchParams();
    if (query) next.set('q', query);
    if (level.value) next.set('level', level.value);
    history.replaceState(null, '', next.size > 0 ? `?${next}` : location.pathname);
    announce($('.filter-status', form), `${shown} ${shown === 1 ? 'lesson' : 'lessons'} ${query ? 'found' : 'shown'}.`);
  };
  form.addEventListener('submit', (event) => event.preventDefault());
  search.addEventListener('input', apply);
  level.addEventListener('change', apply);
  if (search.value || level.value) apply();
}

export async function homePage(): Promise<void> {
  const form = $<HTMLFormElement>('.catalog-filter');
  if (form) enhanceCatalogFilter(form);
  const progress = await allProgress().catch(() => localProgress());
  const server = session() ? await accountProgress().catch(() => undefined) : undefined;
  const mastery = server?.mastery ?? {};
  const done = (lessonId: string) => progress[lessonId] === 'completed' || mastery[lessonId]?.completed === true;
  for (const card of $$('.lesson-card')) {
    const lessonId = card.dataset.lesson ?? '';
    const status = progress[lessonId];
    const mark = $('.progress-mark', card);
    if (!status || !mark) continue;
    const m = mastery[lessonId];
    mark.textContent = m ? masteryText(m) : done(lessonId) ? '✓ Completed' : 'In progress';
    mark.className = `progress-mark progress-${done(lessonId) ? 'completed' : 'started'}`;
    mark.hidden = false;
  }
  if (session()) void goalBox().catch(() => undefined);
  if (Object.keys(progress).length === 0) return;
  // A bar per track and unit: lessons completed of all.
  for (const group of $$('.track, .unit')) {
    const lessons = $$('.lesson-card', group).map((c) => c.dataset.lesson ?? '');
    const completed = lessons.filter(done).length;
    const heading = $('h2, h3', group)!;
    const label = `${completed} of ${lessons.length} lessons completed`;
    const bar = el('progress', { max: String(lessons.length), value: String(completed), 'aria-label': `${heading.textContent}: ${label}` });
    const row = el('p', { class: 'group-progress' });
    row.append(bar, ` ${label}`);
    heading.after(row);
  }
  // Continue where you left off: the lesson touched last that is not completed yet.
  const recent = [...(server?.lessons ?? [])].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).find((l) => !done(l.lessonId));
  const link = recent && $<HTMLAnchorElement>(`.track .lesson-card[data-lesson="${CSS.escape(recent.lessonId)}"] a`);
  if (link) {
    const box = el('section', { class: 'continue', 'aria-labelledby': 'continue-title' });
    box.append(el('h2', { id: 'continue-title' }, 'Continue where you left off'));
    const p = el('p');
    p.append(el('a', { href: link.getAttribute('href') ?? '/' }, link.textContent ?? ''), mastery[recent.lessonId] ? ` — ${masteryText(mastery[recent.lessonId]!)}` : '');
    box.append(p);
    $('h1')?.after(box);
  }
}

/** The daily goal and streak on the home page, with a link to what is due. */
async function goalBox(): Promise<void> {
  const { dueCount, today } = await todaySummary();
  const box = el('section', { class: 'continue today-goal', 'aria-labelledby': 'goal-title' });
  box.append(el('h2', { id: 'goal-title' }, 'Today'));
  const line = el('p');
  const bar = el('progress', { max: String(today.goal), value: String(Math.min(today.done, today.goal)), 'aria-label': `Daily goal: ${today.done} of ${today.goal} reviews` });
  line.append(bar, ` ${today.done} of ${today.goal} reviews · streak ${today.streak} ${today.streak === 1 ? 'day' : 'days'} · `, el('a', { href: '/reviews/' }, `${dueCount} due now`));
  box.append(line);
  $('h1')?.after(box);
}

export const signInPrompt = (region: HTMLElement | null, what: string) => {
  if (!region) return;
  if (sessionUndecided()) {
    // Still signed in, only the sign-in service is not answering: the page loads again once it does
    // (main.ts rewords this when it cannot).
    region.textContent = `You are still signed in: ${what} will show once the sign-in service answers.`;
    region.dataset.awaitingSession = what;
    return;
  }
  region.textContent = `Sign in to see ${what}. `;
  const button = el('button', { type: 'button', class: 'link-button' }, 'Sign in');
  button.addEventListener('click', () => void signIn());
  region.append(button);
};

type Catalog = { tracks: { units: { lessons: { id: string; title: string }[] }[] }[] };

export async function accountPage(): Promise<void> {
  const status = $('.account-status');
  const overview = $('.progress-overview')!;
  const titles = new Map<string, string>();
  const catalog = (await (await fetch('/catalog.json')).json()) as Catalog;
  for (const lesson of catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons))) titles.set(lesson.id, lesson.title);

  const progress = await allProgress();
  const entries = Object.entries(progress);
  overview.hidden = false;
  const completed = entries.filter(([, s]) => s === 'completed').length;
  $('.progress-summary', overview)!.textContent = `${completed} of ${titles.size} lessons completed, ${entries.length - completed} in progress.`;
  for (const [lessonId, state] of entries) {
    const item = el('li');
    item.append(el('a', { href: `/lessons/${lessonId}/` }, titles.get(lessonId) ?? lessonId), ` — ${state === 'completed' ? 'completed' : 'in progress'}`);
    $('.progress-list', overview)!.append(item);
  }
  const current = session();
  if (!current) return signInPrompt(status, 'your account (progress below is kept in this browser only)');
  announce(status, `Signed in as ${current.sub}.`);
  void settingsForm().catch(() => undefined);

  const data = $('.account-data')!;
  data.hidden = false;
  $('.export-button', data)!.addEventListener('click', async () => {
    const exported = await api<unknown>('GET', '/api/me/export');
    const blob = new Blob([JSON.stringify(exported, null, 2)], { type: 'application/json' });
    const link = el('a', { href: URL.createObjectURL(blob), download: 'rungs-export.json' });
    document.body.append(link);
    link.click();
    link.remove();
    announce($('.export-status', data), `Export ready: rungs-export.json (${Math.ceil(blob.size / 1024)} KB).`);
  });
  const confirm = $('.delete-confirm', data)!;
  const opener = $<HTMLButtonElement>('.delete-button', data)!;
  opener.addEventListener('click', () => {
    confirm.hidden = false;
    $<HTMLButtonElement>('.delete-cancel-button', confirm)!.focus();
  });
  $('.delete-cancel-button', confirm)!.addEventListener('click', () => {
    confirm.hidden = true;
    opener.focus();
  });
  const deleted = async () => {
    await signOutQuietly();
    clearLocalProgress();
    data.hidden = true;
    overview.hidden = true;
    announce(status, 'Your account and all its data were deleted. You are signed out.');
    status?.setAttribute('tabindex', '-1');
    status?.focus();
  };
  // Step-up (RFC 9470): deletion needs a recent sign-in. The confirmed intent survives the round
  // trip to the issuer, so after signing in again the deletion completes without starting over.
  const remove = async () => {
    try {
      await api('DELETE', '/api/me');
      await deleted();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'insufficient_user_authentication') throw error;
      sessionStorage.setItem(PENDING_KEY, String(Date.now()));
      announce(status, 'To delete your account, please sign in again.');
      await signIn({ returnTo: '/account/', fresh: true });
    }
  };
  $('.delete-confirm-button', confirm)!.addEventListener('click', () => void remove().catch((error: unknown) => announce(status, String(error instanceof Error ? error.message : error))));
  const pending = Number(sessionStorage.getItem(PENDING_KEY) ?? 0);
  sessionStorage.removeItem(PENDING_KEY);
  if (pending > Date.now() - 10 * 60_000) {
    announce(status, 'Signed in again: deleting your account…');
    await remove().catch((error: unknown) => announce(status, String(error instanceof Error ? error.message : error)));
    return;
  }

  const everywhere = el('button', { type: 'button', class: 'secondary sign-out-everywhere' }, 'Sign out everywhere');
  everywhere.addEventListener('click', async () => {
    const outcome = await signOutEverywhere();
    if (outcome === 'failed') return announce(status, 'Signing out everywhere may not have gone through, and this browser is still signed in. Try again in a moment.');
    if (outcome === 'no-session') return announce(status, 'Your session here has ended: sign in again, then sign out everywhere.');
    data.hidden = true;
    announce(status, 'Signed out on every device and browser.');
  });
  data.append(el('h2', {}, 'Sessions'), el('p', {}, 'Ends every session of your account, on every device, at once.'), everywhere);
}

const PENDING_KEY = 'rungs.pending-delete';

/** After deletion: the session's refresh token is revoked too (its family is already gone). */
const signOutQuietly = () =>
  fetch('/api/auth/sign-out', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    .catch(() => undefined)
    .then(() => forgetSession());

interface Settings {
  dailyGoal: number;
  timeZone: string;
  desiredRetention: number;
}

/** Daily goal and desired retention; the time zone is always the browser's, saved with them. */
async function settingsForm(): Promise<void> {
  const form = $<HTMLFormElement>('.account-settings')!;
  const settings = await api<Settings>('GET', '/api/me/settings');
  const goal = $<HTMLInputElement>('#daily-goal', form)!;
  const retention = $<HTMLInputElement>('#desired-retention', form)!;
  goal.value = String(settings.dailyGoal);
  retention.value = settings.desiredRetention.toFixed(2);
  $('.time-zone', form)!.textContent = browserTimeZone();
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const saved = await api<Settings>('PUT', '/api/me/settings', { dailyGoal: Number(goal.value), desiredRetention: Number(retention.value), timeZone: browserTimeZone() });
      announce($('.settings-status', form), `Saved: ${saved.dailyGoal} reviews a day, desired retention ${Math.round(saved.desiredRetention * 100)}%.`);
    } catch (error) {
      announce($('.settings-status', form), `Not saved: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** After sign-in the account learns the browser's time zone, so its days and streak follow the learner. */
async function saveTimeZone(): Promise<void> {
  const settings = await api<Settings>('GET', '/api/me/settings');
  if (settings.timeZone !== browserTimeZone()) await api('PUT', '/api/me/settings', { timeZone: browserTimeZone() });
}

export async function callbackPage(): Promise<void> {
  const status = $('.callback-status');
  try {
    const returnTo = await completeSignIn(new URLSearchParams(location.search));
    if (session()) {
      announce(status, 'Signed in. Saving your progress…');
      // The time zone first: merged answers count on the learner's calendar days (goal, streak).
      await saveTimeZone().catch(() => undefined);
      await mergeLocalWork().catch(() => undefined);
    } else {
      sessionStorage.removeItem(PENDING_KEY); // a cancelled re-authentication deletes nothing
    }
    location.replace(returnTo);
  } catch (error) {
    announce(status, error instanceof Error ? error.message : String(error));
  }
}
