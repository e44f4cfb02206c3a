import { api, type ProgressEntry, type Status } from './api';
import { session } from './auth';

/**
 * Lesson progress: through the API when signed in; in localStorage while anonymous, so nothing is
 * lost, and merged into the account on sign-in (the API only moves status forward, so merging twice
 * is harmless).
 */
const LOCAL_KEY = 'rungs.progress';

export const localProgress = (): Record<string, Status> => JSON.parse(localStorage.getItem(LOCAL_KEY) ?? '{}') as Record<string, Status>;

export async function recordProgress(lessonId: string, status: Status): Promise<void> {
  if (session()) {
    await api('PUT', `/api/me/progress/${encodeURIComponent(lessonId)}`, { status });
    return;
  }
  const local = localProgress();
  if (local[lessonId] !== 'completed') local[lessonId] = status;
  localStorage.setItem(LOCAL_KEY, JSON.stringify(local));
}

/** Moves anonymous progress into the signed-in account, then forgets the local copy. */
export async function mergeLocalProgress(): Promise<void> {
  for (const [lessonId, status] of Object.entries(localProgress())) {
    await api('PUT', `/api/me/progress/${encodeURIComponent(lessonId)}`, { status }).catch(() => undefined);
  }
  localStorage.removeItem(LOCAL_KEY);
}

export const clearLocalProgress = () => localStorage.removeItem(LOCAL_KEY);

/** Everything known about the learner's progress: the account's when signed in, plus local. */
export async function allProgress(): Promise<Record<string, Status>> {
  const merged = localProgress();
  if (session()) {
    const { lessons } = await api<{ lessons: ProgressEntry[] }>('GET', '/api/me/progress');
    for (const entry of lessons) if (merged[entry.lessonId] !== 'completed') merged[entry.lessonId] = entry.status;
  }
  return merged;
}
