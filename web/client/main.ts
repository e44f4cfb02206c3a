import { todaySummary } from './today';
import { session, signIn, signOut } from './auth';
import { $ } from './dom';
import { accountPage, callbackPage, homePage, lessonPage } from './pages';

/** The one script of the site: the sign-in control and due count on every page, then the page's own behaviour. */
function authControl() {
  const box = $('.auth');
  if (!box) return;
  const current = session();
  const button = $<HTMLButtonElement>('.auth-button', box)!;
  $('.auth-user', box)!.textContent = current ? `Signed in as ${current.sub}` : '';
  button.textContent = current ? 'Sign out' : 'Sign in';
  button.addEventListener('click', () => void (current ? signOut() : signIn()));
  box.classList.remove('pending');
}

/** The number of cards due now, beside "Reviews" in the navigation (signed in only). */
export async function dueBadge(): Promise<void> {
  const badge = $('.due-badge');
  if (!badge || !session()) return;
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
  callback: callbackPage,
};

authControl();
void dueBadge().catch(() => undefined);
void pages[document.body.dataset.page ?? '']?.();
