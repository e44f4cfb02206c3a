import { session, signIn, signOut } from './auth';
import { $ } from './dom';
import { accountPage, callbackPage, homePage, lessonPage, reviewsPage } from './pages';
import { authorsPage } from './authors';

/** The one script of the site: the sign-in control on every page, then the page's own behaviour. */
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

const pages: Record<string, () => void | Promise<void>> = {
  home: homePage,
  lesson: lessonPage,
  reviews: reviewsPage,
  account: accountPage,
  authors: authorsPage,
  callback: callbackPage,
};

authControl();
void pages[document.body.dataset.page ?? '']?.();
