/**
 * Every key shape of the single table is built here and nowhere else.
 */
import { tableSchema } from './schema';

const pad = (n: number, width = 6) => String(n).padStart(width, '0');
const CATALOG = 'CATALOG';

export const keys = {
  /** A key that is never written: reading it proves the table answers. */
  health: () => ({ pk: 'HEALTH', sk: 'PROBE' }),
  track: (trackId: string) => ({ pk: `TRACK#${trackId}`, sk: 'META' }),
  unit: (trackId: string, unitId: string) => ({ pk: `UNIT#${trackId}#${unitId}`, sk: 'META' }),
  lesson: (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'META' }),
  /** An exercise item's answer key, beside its lesson. */
  lessonItem: (lessonId: string, itemId: string) => ({ pk: `LESSON#${lessonId}`, sk: `ITEM#${itemId}` }),
  lessonItemsPrefix: (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'ITEM#' }),

  /** Catalog index entries sort as track, then its units, then each unit's lessons by order. */
  catalogTrack: (trackId: string) => ({ gsi1pk: CATALOG, gsi1sk: `${trackId}` }),
  catalogUnit: (trackId: string, unitId: string) => ({ gsi1pk: CATALOG, gsi1sk: `${trackId}#${unitId}` }),
  catalogLesson: (lesson: { track: string; unit: string; order: number; id: string }) => ({
    gsi1pk: CATALOG,
    gsi1sk: `${lesson.track}#${lesson.unit}#${pad(lesson.order)}#${lesson.id}`,
  }),
  catalogPartition: () => ({ gsi1pk: CATALOG }),

  /**
   * Rate-limit state: one item per subject (`user:<sub>` or `ip:<address>`) and policy set, holding
   * one theoretical arrival time per policy, so all of a set's policies are decided in one write.
   */
  rateLimit: (subject: string, policySet: string) => ({ pk: `RATE#${subject}`, sk: `SET#${policySet}` }),
  /** Attribute that holds one policy's theoretical arrival time (epoch ms) in a rate-limit item. */
  rateLimitTat: (policy: string) => `tat_${policy}`,
  catalogIndex: tableSchema.globalSecondaryIndexes[0].indexName,
};
