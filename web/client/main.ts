import { todaySummary } from './today';
import { session, sessionUndecided, signIn, signOut, startingSession, takeNotice } from './auth';
import { $, announce } from './dom';
import { accountPage, callbackPage, homePage, lessonPage } from './pages';
import { hasLocalWork, mergeLocalWork } from './progress';

/**
 * The one script of the site: the sign-in control and due count on every page, then the page's own
 * behaviour (reviews, statistics and the authors' dashboard load their own chunks).
 *
 * The sign-in control stays pending until the tab knows whether it has a session (refreshed through
 * the cookie if need be), and follows every change, so it never claims a session the API would refuse.
 */
function renderAuthControl() {
  const box = $('.auth');
  if (!box) return;
  const current = session();
  const button = $<HTMLButtonElement>('.auth-button', box)!;
  const notice = current ? undefined : takeNotice();
  const user = $('.auth-user', box)!;
  if (notice) announce(user, notice);
  else user.textContent = current ? `Signed in as ${current.sub}` : '';
  // While the sign-in service is down the session goes on (the cookie needs no issuer to end it).
  const signedIn = current !== undefined || sessionUndecided();
  button.textContent = signedIn ? 'Sign out' : 'Sign in';
  button.onclick = () => void (signedIn ? signOut() : signIn());
  box.classList.remove('pending');
}

/** The number of cards due now, beside "Reviews" in the navigation (signed in only; hidden when the session ends). */
export async function dueBadge(): Promise<void> {
  const badge = $('.due-badge');
  if (!badge) return;
  if (!session()) {
    badge.hidden = true;
    return;
  }
  const { dueCount } = await todaySummary();
  badge.textContent = String(dueCount);
  badge.setAttribute('aria-label', `${dueCount} due`);
  badge.hidden = dueCount === 0;
}

const pages: Record<string, () => void | Promise<void>> = {
  home: homePage,
  lesson: lessonPage,
  reviews: async () => (await import('./reviews-page')).default(),
  stats: async () => (await import('./stats')).statsPage(),
  account: accountPage,
  authors: async () => (await import('./authors')).authorsPage(),
  callback: callbackPage,
};

addEventListener('rungs:session', () => {
  renderAuthControl();
  void dueBadge().catch(() => undefined);
});
const page = document.body.dataset.page ?? '';
// Anything the learner did on the page since it loaded (typed, chose, pressed a button, dragged,
// sent a form): a reload could lose it, or cut short an answer on its way. Scrolling and moving
// the focus are not work.
let touched = false;
const work = () => (touched = true);
for (const kind of ['input', 'change', 'submit', 'drop']) addEventListener(kind, work, { capture: true, once: true });
const CONTROLS = 'button, input[type="checkbox"], input[type="radio"], input[type="button"], input[type="submit"], summary, [draggable="true"]';
addEventListener('click', (event) => (event.target instanceof Element && event.target.closest(CONTROLS) ? work() : undefined), { capture: true });

/** Rewords what pages said would show once the session is back (signInPrompt), when the page is not loaded again. */
const awaiting = (text: (what: string) => string) => {
  document.querySelectorAll<HTMLElement>('[data-awaiting-session]').forEach((region) => (region.textContent = text(region.dataset.awaitingSession ?? '')));
};
/**
 * The session came back after the page rendered without it (the sign-in service was down): the page
 * is loaded again to show the learner's own data, unless they have started on it; then the header
 * follows and answers kept in this browser are saved.
 */
function sessionReturned() {
  if (!touched) return location.reload();
  awaiting((what) => `Signed in again: reload the page to see ${what}.`);
  renderAuthControl();
  void dueBadge().catch(() => undefined);
  if (hasLocalWork()) void mergeLocalWork().catch(() => undefined);
}
// The callback page makes the session itself; every other page first learns whether there is one.
const gaveUp = () => awaiting((what) => `The sign-in service is still not answering: reload the page in a while to see ${what}.`);
const sessionEnded = () => awaiting((what) => `Your session has ended: sign in to see ${what}.`);
void (page === 'callback' ? Promise.resolve() : startingSession(sessionReturned, gaveUp, sessionEnded)).then(async () => {
  renderAuthControl();
  // Answers kept while the sign-in service was down (or from before a sign-in) are saved now.
  if (page !== 'callback' && session() && hasLocalWork()) await mergeLocalWork().catch(() => undefined);
  void dueBadge().catch(() => undefined);
  return pages[page]?.();
});
