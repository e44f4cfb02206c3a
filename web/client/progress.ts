import { api, type ProgressEntry, type Status } from './api';
import { session } from './auth';
import type { Answer } from './exercises';

/**
 * Work done without a session is kept in localStorage and merged into the account on sign-in:
 * lesson progress (the API only moves status forward, so merging twice is harmless) and answers
 * (`rungs.work`: each with the receipt its anonymous grading returned; POST /api/me/merge takes
 * lesson, item, time and id from the receipt and records each once). An answer that could not be
 * saved because the session had ended joins the same queue.
 */
const LOCAL_KEY = 'rungs.progress';
const WORK_KEY = 'rungs.work';

export interface Work {
  receipt: string;
  answer: Answer;
  /** Which card the receipt is for, so the next anonymous answer to it can send it back (kept since receipts chain). */
  lessonId?: string;
  itemId?: string;
}

export const localProgress = (): Record<string, Status> => JSON.parse(localStorage.getItem(LOCAL_KEY) ?? '{}') as Record<string, Status>;
/** Kept work with a receipt (work kept before receipts existed cannot be proven, so it is dropped). */
const localWork = (): Work[] => (JSON.parse(localStorage.getItem(WORK_KEY) ?? '[]') as Partial<Work>[]).filter((w): w is Work => typeof w.receipt === 'string' && w.answer !== undefined);

/** Keeps an answer for the account (the merge route takes 200 at most: the newest are kept). */
export function keepWork(receipt: string, answer: Answer, card: { lessonId: string; itemId: string }): void {
  const work = [...localWork(), { receipt, answer, ...card }].slice(-200);
  localStorage.setItem(WORK_KEY, JSON.stringify(work));
}

const promptOf = (answer: Answer) => ('prompt' in answer ? answer.prompt : undefined);

/**
 * The receipt of the last kept answer to the same card (lesson, item, recall prompt): sent with the
 * next anonymous answer, it makes that answer practice within the visit (the server decides).
 */
export const previousReceipt = (lessonId: string, itemId: string, answer: Answer): string | undefined =>
  localWork().findLast((w) => w.lessonId === lessonId && w.itemId === itemId && promptOf(w.answer) === promptOf(answer))?.receipt;

export async function recordProgress(lessonId: string, status: Status): Promise<void> {
  if (session()) {
    await api('PUT', `/api/me/progress/${encodeURIComponent(lessonId)}`, { status });
    return;
  }
  const local = localProgress();
  if (local[lessonId] !== 'completed') local[lessonId] = status;
  localStorage.setItem(LOCAL_KEY, JSON.stringify(local));
}

/** Whether answers are kept for a merge (from before a sign-in, or from an outage of the sign-in service). */
export const hasLocalWork = () => localWork().length > 0;

/** Moves anonymous progress and answers into the signed-in account, then forgets the local copies. */
export async function mergeLocalWork(): Promise<void> {
  for (const [lessonId, status] of Object.entries(localProgress())) {
    await api('PUT', `/api/me/progress/${encodeURIComponent(lessonId)}`, { status }).catch(() => undefined);
  }
  localStorage.removeItem(LOCAL_KEY);
  // A recall rating kept before each prompt had its own card names no prompt: it no longer fits.
  const work = localWork().filter(({ answer }) => !('rating' in answer) || 'prompt' in answer);
  if (work.length === 0) return localStorage.removeItem(WORK_KEY);
  // In chunks that one request can record well within its time limit, oldest first; what is not yet
  // sent is kept on failure for the next try, and receipts make a repeat harmless.
  for (let start = 0; start < work.length; start += MERGE_CHUNK) {
    const chunk = work.slice(start, start + MERGE_CHUNK);
    await api('POST', '/api/me/merge', { attempts: chunk.map(({ receipt, answer }) => ({ receipt, answer })) });
    localStorage.setItem(WORK_KEY, JSON.stringify(work.slice(start + MERGE_CHUNK)));
  }
  localStorage.removeItem(WORK_KEY);
}

/** Answers per merge request (the API takes up to 50; each costs a few reads and one transaction). */
const MERGE_CHUNK = 25;

export const clearLocalProgress = () => {
  localStorage.removeItem(LOCAL_KEY);
  localStorage.removeItem(WORK_KEY);
  localStorage.removeItem('rungs.shown'); // the reviews page's last step orders name the learner's cards
};

export interface Mastery {
  total: number;
  answered: number;
  mastered: number;
  completed: boolean;
  mastery: number;
}
export interface AccountProgress {
  lessons: (ProgressEntry & { updatedAt: string })[];
  mastery: Record<string, Mastery>;
}

/** GET /api/me/progress once per page load (the home page reads it twice: statuses, then mastery). */
let accountPending: Promise<AccountProgress> | undefined;
export const accountProgress = () => (accountPending ??= api<AccountProgress>('GET', '/api/me/progress'));

/** Everything known about the learner's progress: the account's when signed in, plus local. */
export async function allProgress(): Promise<Record<string, Status>> {
  const merged = localProgress();
  if (session()) {
    const { lessons } = await accountProgress();
    for (const entry of lessons) if (merged[entry.lessonId] !== 'completed') merged[entry.lessonId] = entry.status;
  }
  return merged;
}
