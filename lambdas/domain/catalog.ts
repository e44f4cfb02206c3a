import { z } from 'zod';
import { levels } from './levels';

/** Metadata files beside the lessons: `<track>/track.yaml` and `<track>/<unit>/unit.yaml`. */
export const groupMetaSchema = z.strictObject({
  title: z.string().min(1),
  order: z.number().int().positive(),
  description: z.string().min(1),
});
export type GroupMeta = z.infer<typeof groupMetaSchema>;

// Stored shapes are parsed leniently (unknown attributes such as keys are dropped).
export const trackSchema = z.object({ ...groupMetaSchema.shape, id: z.string() });
export const unitSchema = z.object({ ...groupMetaSchema.shape, id: z.string(), track: z.string() });
export const lessonSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  track: z.string(),
  unit: z.string(),
  order: z.number(),
  level: z.enum(levels),
  concepts: z.array(z.string()),
  summary: z.string(),
  readingMinutes: z.number(),
});

export type Track = z.infer<typeof trackSchema>;
export type Unit = z.infer<typeof unitSchema>;
export type LessonSummary = z.infer<typeof lessonSummarySchema>;

export interface CatalogUnit extends Unit {
  lessons: LessonSummary[];
}
export interface CatalogTrack extends Track {
  units: CatalogUnit[];
}
export interface Catalog {
  tracks: CatalogTrack[];
}

const byOrder = (a: { order: number; id: string }, b: { order: number; id: string }) =>
  a.order - b.order || a.id.localeCompare(b.id);

const titleFromId = (id: string) => id.replace(/-/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

/**
 * Assembles tracks → units → lessons. A lesson whose track or unit has no metadata file yet still
 * shows, under a title derived from its id, so nothing an author published goes missing.
 */
export function assembleCatalog(tracks: Track[], units: Unit[], lessons: LessonSummary[]): Catalog {
  const trackMap = new Map<string, CatalogTrack>(tracks.map((t) => [t.id, { ...t, units: [] }]));
  const unitMap = new Map<string, CatalogUnit>(units.map((u) => [`${u.track}/${u.id}`, { ...u, lessons: [] }]));

  for (const lesson of lessons) {
    const unitKey = `${lesson.track}/${lesson.unit}`;
    if (!unitMap.has(unitKey)) {
      unitMap.set(unitKey, { id: lesson.unit, track: lesson.track, title: titleFromId(lesson.unit), order: 9999, description: '', lessons: [] });
    }
    unitMap.get(unitKey)!.lessons.push(lesson);
  }
  for (const unit of unitMap.values()) {
    if (!trackMap.has(unit.track)) {
      trackMap.set(unit.track, { id: unit.track, title: titleFromId(unit.track), order: 9999, description: '', units: [] });
    }
    unit.lessons.sort(byOrder);
    trackMap.get(unit.track)!.units.push(unit);
  }
  const result = [...trackMap.values()].sort(byOrder);
  for (const track of result) track.units.sort(byOrder);
  return { tracks: result };
}

export function findLesson(catalog: Catalog, lessonId: string) {
  for (const track of catalog.tracks) {
    for (const unit of track.units) {
      const lesson = unit.lessons.find((l) => l.id === lessonId);
      if (lesson) return { track, unit, lesson };
    }
  }
  return undefined;
}

