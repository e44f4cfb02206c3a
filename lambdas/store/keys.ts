/**
 * Every key shape of the single table is built here and nowhere else. Each builder is an export of
 * its own and consumers read them as `import * as keys from '…/store/keys'`, so that a bundle keeps
 * only the key shapes its code builds.
 */
import { tableSchema } from './schema';

const pad = (n: number, width = 6) => String(n).padStart(width, '0');
const CATALOG = 'CATALOG';

/** A key that is never written: reading it proves the table answers. */
export const health = () => ({ pk: 'HEALTH', sk: 'PROBE' });
export const track = (trackId: string) => ({ pk: `TRACK#${trackId}`, sk: 'META' });
export const unit = (trackId: string, unitId: string) => ({ pk: `UNIT#${trackId}#${unitId}`, sk: 'META' });
export const lesson = (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'META' });
/** An exercise item's answer key, beside its lesson. */
export const lessonItem = (lessonId: string, itemId: string) => ({ pk: `LESSON#${lessonId}`, sk: `ITEM#${itemId}` });
export const lessonItemsPrefix = (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'ITEM#' });
/** The rendered body of a lesson, so ingest can rebuild its page when neighbours change. */
export const lessonBody = (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'BODY' });
/** The ledger of a lesson's item and choice ids, live and retired (never reused). */
export const lessonIds = (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'IDS' });
export const lessonPartition = (lessonId: string) => ({ pk: `LESSON#${lessonId}` });
/**
 * The last applied S3 sequencer of one content file, beside what the file publishes (a lesson
 * file in its lesson's partition, track and unit files beside their metadata).
 */
export const contentFile = (partition: { pk: string }, key: string) => ({ pk: partition.pk, sk: `FILE#${key}` });
/** What the site's catalog-wide pages were last rendered from, and the lease of the one ingest rendering them. */
export const siteState = () => ({ pk: 'SITE#PAGES', sk: 'STATE' });
/**
 * One ingest's verdicts (the authors' dashboard lists the latest): in a partition of their own,
 * sorted by time, so the dashboard may read them and nothing else of the site's state.
 */
export const ingestReport = (at: string, id: string) => ({ pk: 'SITE#REPORTS', sk: `REPORT#${at}#${id}` });
export const ingestReportsPrefix = () => ({ pk: 'SITE#REPORTS', sk: 'REPORT#' });

/** Catalog index entries sort as track, then its units, then each unit's lessons by order. */
export const catalogTrack = (trackId: string) => ({ gsi1pk: CATALOG, gsi1sk: `${trackId}` });
export const catalogUnit = (trackId: string, unitId: string) => ({ gsi1pk: CATALOG, gsi1sk: `${trackId}#${unitId}` });
export const catalogLesson = (lesson: { track: string; unit: string; order: number; id: string }) => ({
  gsi1pk: CATALOG,
  gsi1sk: `${lesson.track}#${lesson.unit}#${pad(lesson.order)}#${lesson.id}`,
});
export const catalogPartition = () => ({ gsi1pk: CATALOG });
/** The sort-key prefix of the lessons at one place of a unit (two there means a duplicate order). */
export const catalogPlacePrefix = (track: string, unit: string, order: number) => `${track}#${unit}#${pad(order)}#`;

/**
 * Rate-limit state: one item per subject (`user:<sub>` or `ip:<address>`) and policy set, holding
 * one theoretical arrival time per policy, so all of a set's policies are decided in one write.
 */
export const rateLimit = (subject: string, policySet: string) => ({ pk: `RATE#${subject}`, sk: `SET#${policySet}` });
/** The rate-limit subject of a signed-in caller (by verified sub) and of an anonymous one (by network). */
export const rateLimitSubject = { user: (sub: string) => `user:${sub}`, network: (network: string) => `ip:${network}` };
/** Every rate-limit item of one subject (one per policy set): account deletion removes a learner's. */
export const rateLimitPartition = (subject: string) => ({ pk: `RATE#${subject}` });
/** Attribute that holds one policy's theoretical arrival time (epoch ms) in a rate-limit item. */
export const rateLimitTat = (policy: string) => `tat_${policy}`;
export const catalogIndex = tableSchema.globalSecondaryIndexes[0].indexName;

/** Everything personal lives in the learner's partition, so export and delete are one query. */
export const user = (sub: string) => ({ pk: `USER#${sub}` });
export const attempt = (sub: string, lessonId: string, itemId: string, at: string, id: string) => ({ pk: `USER#${sub}`, sk: `ATTEMPT#${lessonId}#${itemId}#${at}#${id}` });
export const progress = (sub: string, lessonId: string) => ({ pk: `USER#${sub}`, sk: `PROGRESS#${lessonId}` });
export const progressPrefix = (sub: string) => ({ pk: `USER#${sub}`, sk: 'PROGRESS#' });
export const card = (sub: string, lessonId: string, itemId: string) => ({ pk: `USER#${sub}`, sk: `CARD#${lessonId}#${itemId}` });
export const cardPrefix = (sub: string) => ({ pk: `USER#${sub}`, sk: 'CARD#' });
/** One lesson's cards of a learner (lesson ids are slugs, never `#`, so the trailing `#` ends the id). */
export const lessonCardPrefix = (sub: string, lessonId: string) => ({ pk: `USER#${sub}`, sk: `CARD#${lessonId}#` });
/** A card's place in its learner's due queue (ISO due time sorts chronologically). */
export const cardDue = (sub: string, due: string, lessonId: string, itemId: string) => ({ gsi2pk: `DUE#${sub}`, gsi2sk: `${due}#${lessonId}#${itemId}` });
/** Upper bound of the due queue at `at`: every sort key due at or before it sorts below. */
export const dueUntil = (sub: string, at: string) => ({ gsi2pk: `DUE#${sub}`, gsi2sk: `${at}#~` });
export const dueIndex = tableSchema.globalSecondaryIndexes[1].indexName;
/** One signed-in session family (a sign-in and all its refresh-token rotations), in its learner's partition. */
export const session = (sub: string, familyId: string) => ({ pk: `USER#${sub}`, sk: `SESSION#${familyId}` });
export const sessionPrefix = (sub: string) => ({ pk: `USER#${sub}`, sk: 'SESSION#' });
/** Attribute of a learner's rate-limit items: access tokens issued before it (epoch seconds) are refused. */
export const revokedBefore = 'revokedBefore';
/** One scheduled answer (FSRS review log), in time order: what a parameter optimizer reads. */
export const reviewLog = (sub: string, at: string, lessonId: string, cardItem: string) => ({ pk: `USER#${sub}`, sk: `LOG#${at}#${lessonId}#${cardItem}` });
export const reviewLogPrefix = (sub: string) => ({ pk: `USER#${sub}`, sk: 'LOG#' });
/** The learner's settings: daily goal, time zone, desired retention (and fitted FSRS parameters). */
export const settings = (sub: string) => ({ pk: `USER#${sub}`, sk: 'SETTINGS' });
/** Scheduled answers on one calendar day (YYYY-MM-DD in the learner's time zone): goal and streak. */
export const activityDay = (sub: string, day: string) => ({ pk: `USER#${sub}`, sk: `DAY#${day}` });
export const activityDayPrefix = (sub: string) => ({ pk: `USER#${sub}`, sk: 'DAY#' });
export const idempotency = (sub: string, scope: string, key: string) => ({ pk: `USER#${sub}`, sk: `IDEMPOTENCY#${scope}#${key}` });
/**
 * Aggregate (anonymous) answer statistics of one item, in a partition of their own per lesson: the
 * statistics aggregator may write there and nowhere near the answer keys under LESSON#.
 */
export const itemStats = (lessonId: string, itemId: string) => ({ pk: `STATS#${lessonId}`, sk: `ITEM#${itemId}` });
export const itemStatsPrefix = (lessonId: string) => ({ pk: `STATS#${lessonId}`, sk: 'ITEM#' });
/** Proof that one attempt (named by a digest of its key, no learner identity) is in its item's counts. */
export const countedAttempt = (lessonId: string, attemptDigest: string) => ({ pk: `STATS#${lessonId}`, sk: `COUNTED#${attemptDigest}` });
/** Where statistics lived before they had their own partition (read, never written: docs/architecture.md). */
export const legacyItemStatsPrefix = (lessonId: string) => ({ pk: `LESSON#${lessonId}`, sk: 'STATS#' });
/** A merged anonymous-answer receipt, claimed by the one learner who merged it (single use). */
export const receipt = (receiptId: string) => ({ pk: `RECEIPT#${receiptId}`, sk: 'CLAIM' });

/** Partition-key prefix of the item statistics (IAM `dynamodb:LeadingKeys` of the aggregator). */
export const statisticsPartitionPrefix = 'STATS#';

/** Partition-key prefixes the content ingest writes (IAM `dynamodb:LeadingKeys` of its grant). */
export const contentPartitionPrefixes = ['TRACK#', 'UNIT#', 'LESSON#', 'SITE#'] as const;
