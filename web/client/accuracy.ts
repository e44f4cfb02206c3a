/** Accuracy per track, summed from the API's accuracy per lesson (the catalog says which track a lesson is in). */
export interface Accuracy {
  right: number;
  total: number;
}

/** One row per track in first-seen order; a lesson the catalog no longer lists counts under "Other". */
export function accuracyByTrack(perLesson: readonly (Accuracy & { lessonId: string })[], trackOf: ReadonlyMap<string, string>): { label: string; value: number; n: number }[] {
  const tracks = new Map<string, Accuracy>();
  for (const a of perLesson) {
    const name = trackOf.get(a.lessonId) ?? 'Other';
    const t = tracks.get(name) ?? { right: 0, total: 0 };
    tracks.set(name, { right: t.right + a.right, total: t.total + a.total });
  }
  return [...tracks].map(([label, t]) => ({ label, value: t.right / t.total, n: t.total }));
}
