import { ensureSession, session, signIn, signOut, takeNotice } from './auth';
import { $, announce } from './dom';
import { accountPage, callbackPage, homePage, lessonPage, reviewsPage } from './pages';
import { authorsPage } from './authors';

/**
 * The sign-in control on every page. It stays pending until the tab knows whether it has a session
 * (refreshed through the cookie if need be), and follows every change, so it never claims a session
 * the API would refuse.
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
  button.textContent = current ? 'Sign out' : 'Sign in';
  button.onclick = () => void (current ? signOut() : signIn());
  box.classList.remove('pending');
}

const pages: Record<string, () => void | Promise<void>> = {
  home: homePage,
  lesson: lessonPage,
  reviews: reviewsPage,
  account: accountPage,
  authors: authorsPage,
  callback: callbackPage,
};

addEventListener('rungs:session', renderAuthControl);
const page = document.body.dataset.page ?? '';
// The callback page makes the session itself; every other page first learns whether there is one.
void (page === 'callback' ? Promise.resolve() : ensureSession()).then(() => {
  renderAuthControl();
  return pages[page]?.();
});
