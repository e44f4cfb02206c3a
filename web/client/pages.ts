import { api, ApiError, SessionEnded } from './api';
import { completeSignIn, forgetSession, session, signIn, signOutEverywhere } from './auth';
import { $, $$, announce, el } from './dom';
import { enhanceExercises, type Answer, type Grade } from './exercises';
import { score } from './search';
import { allProgress, clearLocalProgress, keepWork, localProgress, mergeLocalWork, recordProgress } from './progress';

const KEPT = 'You are signed out: this answer is kept and will be saved to your account when you sign in again.';

/**
 * Sends an answer for the account. Without a session it is graded anonymously and kept for the
 * merge on sign-in; when the session ends on the way, the same happens (never a lost answer).
 */
async function sendKept(lessonId: string, itemId: string, answer: Answer, signedIn: () => Promise<Grade>): Promise<Grade> {
  let ended = false;
  if (session()) {
    try {
      return await signedIn();
    } catch (error) {
      if (!(error instanceof SessionEnded)) throw error;
      ended = true;
    }
  }
  const grade = await api<Grade>('POST', `/api/lessons/${encodeURIComponent(lessonId)}/attempts`, { itemId, answer });
  keepWork(lessonId, itemId, answer);
  return ended ? { ...grade, notice: KEPT } : grade;
}

/** One function per page kind (`<body data-page>`). */

export function lessonPage(): void {
  const article = $('article.lesson');
  const lessonId = article?.dataset.lessonId;
  if (!article || !lessonId) return;
  const answered = new Set<string>();
  const total = $$('.exercise', article).length;
  enhanceExercises(
    article,
    (itemId, answer) => sendKept(lessonId, itemId, answer, () => api<Grade>('POST', `/api/lessons/${encodeURIComponent(lessonId)}/attempts`, { itemId, answer }, { idempotent: true })),
    (itemId) => {
      answered.add(itemId);
      void recordProgress(lessonId, answered.size >= total ? 'completed' : 'started').catch(() => undefined);
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
  for (const card of $$('.lesson-card')) {
    const status = progress[card.dataset.lesson ?? ''];
    const mark = $('.progress-mark', card);
    if (!status || !mark) continue;
    mark.textContent = status === 'completed' ? '✓ Completed' : 'In progress';
    mark.className = `progress-mark progress-${status}`;
    mark.hidden = false;
  }
}

interface Card {
  id: string;
  lessonId: string;
  itemId: string;
  kind: string;
  due: string;
}

export const signInPrompt = (region: HTMLElement | null, what: string) => {
  if (!region) return;
  region.textContent = `Sign in to see ${what}. `;
  const button = el('button', { type: 'button', class: 'link-button' }, 'Sign in');
  button.addEventListener('click', () => void signIn());
  region.append(button);
};

export async function reviewsPage(): Promise<void> {
  const status = $('.review-status');
  const holder = $('.review-card')!;
  if (!session()) return signInPrompt(status, 'your reviews');
  // "Due" at the time this page shows, by the browser's clock (the server accepts any time).
  const now = new Date();
  const due = (await api<{ cards: Card[] }>('GET', `/api/me/reviews?due=${encodeURIComponent(now.toISOString())}&limit=100`)).cards;
  const later = new Date(now.getTime() + 400 * 86_400_000).toISOString();
  const all = (await api<{ cards: Card[] }>('GET', `/api/me/reviews?due=${encodeURIComponent(later)}&limit=100`)).cards;
  const dueIds = new Set(due.map((c) => c.id));
  const upcoming = all.filter((c) => !dueIds.has(c.id));
  const pages = new Map<string, Promise<Document>>();
  const lessonDoc = (lessonId: string) => {
    if (!pages.has(lessonId)) {
      pages.set(lessonId, fetch(`/lessons/${encodeURIComponent(lessonId)}/`).then(async (r) => new DOMParser().parseFromString(await r.text(), 'text/html')));
    }
    return pages.get(lessonId)!;
  };

  const section = $('.upcoming');
  if (section && upcoming.length > 0) {
    section.hidden = false;
    for (const card of upcoming) {
      const doc = await lessonDoc(card.lessonId);
      const title = $('h1', doc)?.textContent ?? card.lessonId;
      const item = el('li');
      item.append(el('a', { href: `/lessons/${card.lessonId}/` }, title), ` — ${card.kind}, due ${new Date(card.due).toLocaleString()}`);
      $('.upcoming-list', section)!.append(item);
    }
  }

  let index = 0;
  const show = async () => {
    holder.replaceChildren();
    const left = due.length - index;
    if (left <= 0) {
      announce(status, due.length === 0 ? 'Nothing is due right now.' : 'All done: nothing else is due right now.');
      return;
    }
    const card = due[index]!;
    announce(status, `${left} ${left === 1 ? 'review' : 'reviews'} left.`);
    const doc = await lessonDoc(card.lessonId);
    const exercise = $(`.exercise[data-item="${CSS.escape(card.itemId)}"]`, doc);
    const from = el('p', { class: 'meta' }, 'From ');
    from.append(el('a', { href: `/lessons/${card.lessonId}/` }, $('h1', doc)?.textContent ?? card.lessonId));
    if (!exercise) {
      holder.append(from, el('p', {}, 'This exercise is no longer in its lesson.'));
    } else {
      const copy = document.importNode(exercise, true);
      holder.append(from, copy);
      enhanceExercises(holder, (_itemId, answer) => sendKept(card.lessonId, card.itemId, answer, () => api<Grade>('POST', `/api/me/reviews/${encodeURIComponent(card.id)}`, { answer }, { idempotent: true })), () => {
        // A second answer to the same card (say, another rating) re-rates it; one Next is enough.
        if ($('.next-review', holder)) return;
        const next = el('button', { type: 'button', class: 'next-review' }, 'Next');
        next.addEventListener('click', () => {
          index++;
          void show().then(() => holder.focus());
        });
        holder.append(next);
      });
    }
  };
  await show();
}

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
    await signOutEverywhere();
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

export async function callbackPage(): Promise<void> {
  const status = $('.callback-status');
  try {
    const returnTo = await completeSignIn(new URLSearchParams(location.search));
    if (session()) {
      announce(status, 'Signed in. Saving your progress…');
      await mergeLocalWork().catch(() => undefined);
    } else {
      sessionStorage.removeItem(PENDING_KEY); // a cancelled re-authentication deletes nothing
    }
    location.replace(returnTo);
  } catch (error) {
    announce(status, error instanceof Error ? error.message : String(error));
  }
}
