import type { Catalog, LessonSummary } from './catalog';

export interface ConceptEntry {
  concept: string;
  lessons: Pick<LessonSummary, 'id' | 'title' | 'level'>[];
}

export interface RelatedLesson {
  lesson: Pick<LessonSummary, 'id' | 'title' | 'level'>;
  /** The concepts both lessons teach, in the order the current lesson lists them. */
  shared: string[];
}

/** Lessons in reading order: track, unit, then order within the unit. */
export const lessonsInOrder = (catalog: Catalog): LessonSummary[] =>
  catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons));

/** Every concept taught anywhere, alphabetically, each with its lessons in reading order. */
export function conceptIndex(catalog: Catalog): ConceptEntry[] {
  const index = new Map<string, ConceptEntry['lessons']>();
  for (const { id, title, level, concepts } of lessonsInOrder(catalog)) {
    for (const concept of concepts) {
      if (!index.has(concept)) index.set(concept, []);
      index.get(concept)!.push({ id, title, level });
    }
  }
  return [...index.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([concept, lessons]) => ({ concept, lessons }));
}

/** "Appears again in": the other lessons sharing at least one concept, most shared first. */
export function appearsAgainIn(catalog: Catalog, lessonId: string): RelatedLesson[] {
  const all = lessonsInOrder(catalog);
  const self = all.find((l) => l.id === lessonId);
  if (!self) return [];
  const related: (RelatedLesson & { position: number })[] = [];
  all.forEach((other, position) => {
    if (other.id === lessonId) return;
    const shared = self.concepts.filter((c) => other.concepts.includes(c));
    if (shared.length > 0) related.push({ lesson: { id: other.id, title: other.title, level: other.level }, shared, position });
  });
  return related
    .sort((a, b) => b.shared.length - a.shared.length || a.position - b.position)
    .map(({ lesson, shared }) => ({ lesson, shared }));
}
