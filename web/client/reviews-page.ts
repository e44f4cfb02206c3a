import { session } from './auth';
import { $ } from './dom';
import { signInPrompt } from './pages';
import { reviewsPage } from './reviews';

/** The reviews page entry (loaded only there): sign in first, then the session. */
export default async function (): Promise<void> {
  if (!session()) return signInPrompt($('.review-status'), 'your reviews');
  await reviewsPage();
}
