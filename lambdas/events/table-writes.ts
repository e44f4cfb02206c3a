import { answerKeys } from '../domain/answer-key';
import type { LessonSummary } from '../domain/catalog';
import { nextLedger } from '../domain/item-ids';
import { checkLessonIds, checkLessonInContext, checkRenderedLesson, classifyKey, duplicateOrders, internalLinks, orderTaken, prerequisiteCycleThrough, type CatalogContext, type Problem } from '../domain/validate';
import { lessonSummary, renderLessonBody } from '../render';
import { commitGroup, readGroups } from '../store/catalog';
import type { Store } from '../store/client';
import { commitLessonRemoval, commitLessonVersion, readLessonPartition, readLessonsAtPlace, readLessonSources, readPrerequisites } from '../store/content';
import { forEachLimited } from './concurrency';
import type { Decision, LessonChange } from './decide';
import { figureResolver } from './figures';
import { failure, type IngestFailure } from './ingest';

/**
 * Step 2 of an ingest: the table. Tracks and units first, then each changed lesson checked against
 * the catalog and its id ledger and committed in one transaction, then removals. Every write is
 * conditional on the file's sequencer (an older event changes nothing) and on the ledger's version
 * (a concurrent version's ids are never dropped: the check and the write are simply redone).
 */

export interface PublishedVersion {
  id: string;
  summary: LessonSummary;
  /** What the catalog showed before; undefined for a lesson published for the first time. */
  previous?: LessonSummary;
  /** The context its page was last rendered with (JSON). */
  pageContext?: string;
  body: string;
  hash: string;
}

export interface TableOutcome {
  tracks: string[];
  units: string[];
  published: PublishedVersion[];
  removed: string[];
  stale: string[];
  failures: IngestFailure[];
  /** Keys whose write failed for a reason that may pass on retry (throttling, a timeout). */
  retry: string[];
}

export interface TableDeps {
  store: Store;
  listing: () => Promise<Set<string> | undefined>;
  now: string;
}

const WRITE_CONCURRENCY = 8;
/** A version whose ledger changed under it is checked and written again, at most this often. */
const LEDGER_ATTEMPTS = 5;

/** Errors that retrying cannot fix: the version is reported, and nothing of it was written. */
const isPermanent = (error: unknown) =>
  error instanceof Error && (error.name === 'ValidationException' || /at most \d+ fit in one publish/.test(error.message) || /size has exceeded/i.test(error.message));

/**
 * What the changed lessons may refer to: only the ids, tracks and units they name, looked up in the
 * table and in this batch — not the whole catalog. The bucket listing (files still on their way) is
 * asked for only when one of them is not found there, or a lesson's id is published from another
 * file (moved, or a duplicate): a prose edit does not list the bucket.
 */
async function referencedContext(decision: Decision, committedGroups: { tracks: Set<string>; units: Set<string>; removed: Set<string> }, deps: TableDeps): Promise<CatalogContext> {
  const context: CatalogContext = { lessons: new Map(), tracks: new Set(committedGroups.tracks), units: new Set(committedGroups.units) };
  if (decision.lessons.length === 0) return context;
  const removedKeys = new Set(decision.removals.map((r) => r.key));
  const inBatch = new Map(decision.lessons.map(({ key, lesson }) => [lesson.meta.id, key]));

  const named = new Set<string>();
  const groups = new Map<string, { track: string; unit?: string; key: string }>();
  for (const { lesson, body } of decision.lessons) {
    named.add(lesson.meta.id);
    for (const id of lesson.meta.prerequisites) named.add(id);
    for (const link of internalLinks(body)) named.add(link.id);
    const { track, unit } = lesson.meta;
    const unitId = `${track}/${unit}`;
    if (!context.tracks.has(track) && !committedGroups.removed.has(track)) groups.set(track, { track, key: `${track}/track.yaml` });
    if (!context.units.has(unitId) && !committedGroups.removed.has(unitId)) groups.set(unitId, { track, unit, key: `${unitId}/unit.yaml` });
  }
  const [published, storedGroups] = await Promise.all([
    readLessonSources(deps.store, [...named]),
    groups.size > 0 ? readGroups(deps.store, [...groups.values()]) : Promise.resolve(new Map<string, { stored?: unknown }>()),
  ]);
  for (const [id, ref] of groups) {
    if (!storedGroups.get(ref.key)?.stored) continue;
    if (ref.unit === undefined) context.tracks.add(id);
    else context.units.add(id);
  }

  const unresolved =
    [...named].some((id) => !published.has(id) && !inBatch.has(id)) ||
    decision.lessons.some(({ key, lesson }) => published.has(lesson.meta.id) && published.get(lesson.meta.id) !== key) ||
    decision.lessons.some(({ lesson }) => !context.tracks.has(lesson.meta.track) || !context.units.has(`${lesson.meta.track}/${lesson.meta.unit}`));
  const listed = unresolved ? await deps.listing() : undefined;

  for (const [id, source] of published) {
    // A file that is gone from the bucket (moved or deleted) no longer owns its id.
    if (!removedKeys.has(source) && (!listed || listed.has(source))) context.lessons.set(id, source);
  }
  for (const key of listed ?? []) {
    const kind = classifyKey(key);
    if (kind?.kind === 'track') context.tracks.add(kind.track);
    else if (kind?.kind === 'unit') context.units.add(`${kind.track}/${kind.unit}`);
    // File name = lesson id (the validator enforces it), so files not yet ingested count as known.
    else if (kind?.kind === 'lesson' && named.has(kind.name) && !context.lessons.has(kind.name)) context.lessons.set(kind.name, key);
  }
  for (const [id, key] of inBatch) if (!context.lessons.has(id)) context.lessons.set(id, key);
  return context;
}

/** Prerequisite chains are followed this many steps at most (a curriculum is far shallower). */
const MAX_PREREQUISITE_DEPTH = 64;

/**
 * What ingest alone can see, checked as `check` checks a whole tree: a prerequisite cycle or a
 * duplicate `order` formed together with lessons already published. The graph is read from the
 * lessons the batch's prerequisites lead to (one BatchGet per step), the place from one query on
 * the catalog index per lesson: the cost follows the batch, not the catalog. The published lesson
 * keeps its place; the upload is rejected.
 */
export interface BatchShape {
  prerequisites: Map<string, readonly string[]>;
  /** Problems of lessons of this batch that share a place with each other (the older path wins, as in check). */
  batchOrders: Map<string, Problem[]>;
}

async function batchShape(decision: Decision, store: Store): Promise<BatchShape> {
  const prerequisites = new Map<string, readonly string[]>(decision.lessons.map(({ lesson }) => [lesson.meta.id, lesson.meta.prerequisites]));
  let frontier = [...new Set(decision.lessons.flatMap(({ lesson }) => lesson.meta.prerequisites))].filter((id) => !prerequisites.has(id));
  for (let depth = 0; frontier.length > 0 && depth < MAX_PREREQUISITE_DEPTH; depth++) {
    const found = await readPrerequisites(store, frontier);
    for (const id of frontier) prerequisites.set(id, found.get(id) ?? []);
    frontier = [...new Set([...found.values()].flat())].filter((id) => !prerequisites.has(id));
  }
  const batchOrders = new Map<string, Problem[]>();
  for (const problem of duplicateOrders(decision.lessons.map(({ key, body, lesson }) => ({ file: { key, body }, lesson })))) {
    batchOrders.set(problem.file, [...(batchOrders.get(problem.file) ?? []), problem]);
  }
  return { prerequisites, batchOrders };
}

async function shapeProblems(change: LessonChange, shape: BatchShape, decision: Decision, store: Store): Promise<Problem[]> {
  const { key, body, lesson } = change;
  const file = { key, body };
  const problems: Problem[] = [...(shape.batchOrders.get(key) ?? [])];
  const cycle = prerequisiteCycleThrough(file, lesson, shape.prerequisites);
  if (cycle) problems.push(cycle);
  const { track, unit, order, id } = lesson.meta;
  // Lessons of this batch are judged among themselves (batchOrders); a removed file holds no place.
  const judgedInBatch = new Set(decision.lessons.filter((c) => c.lesson.meta.id !== id).map((c) => c.lesson.meta.id));
  const removed = new Set(decision.removals.map((r) => r.key));
  const owner = (await readLessonsAtPlace(store, { track, unit, order })).find((l) => l.id !== id && !judgedInBatch.has(l.id) && !removed.has(l.source));
  if (owner) problems.push(orderTaken(file, lesson, owner.source));
  return problems;
}

type LessonResult = { published: PublishedVersion } | { stale: string } | { failure: IngestFailure } | { retry: string; failure: IngestFailure };

async function publishLesson(change: LessonChange, context: CatalogContext, shape: BatchShape, decision: Decision, deps: TableDeps): Promise<LessonResult> {
  const { key, body, lesson, hash } = change;
  const file = { key, ...(change.sequencer ? { sequencer: change.sequencer } : {}), ...(change.rerender ? { rerender: change.rerender } : {}) };
  // Rendered and measured as check does it, so an oversize or unrenderable lesson is a report, not a
  // store error; its figures as the published names (figures.ts).
  const figures = figureResolver(change.figures);
  const rendered = checkRenderedLesson({ key, body }, lesson, (l) => renderLessonBody(l, { figures }));
  const problems = [...checkLessonInContext({ key, body }, lesson, context), ...(await shapeProblems(change, shape, decision, deps.store)), ...rendered.problems];
  if (problems.length > 0 || rendered.body === undefined) return { failure: failure(key, problems) };
  const renderedBody = rendered.body;
  const summary = lessonSummary(lesson);
  for (let attempt = 1; ; attempt++) {
    const previous = await readLessonPartition(deps.store, lesson.meta.id);
    const idProblems = checkLessonIds({ key, body }, lesson, previous.ledger);
    if (idProblems.length > 0) return { failure: failure(key, idProblems) };
    try {
      const outcome = await commitLessonVersion(
        deps.store,
        { summary, source: key, hash, body: renderedBody, answerKeys: answerKeys(lesson), ledger: nextLedger(previous.ledger, lesson, deps.now), prerequisites: lesson.meta.prerequisites },
        previous,
        file,
      );
      if (outcome === 'stale') return { stale: key };
      if (outcome === 'committed') {
        return {
          published: {
            id: lesson.meta.id,
            summary,
            body: renderedBody,
            hash,
            ...(previous.meta ? { previous: previous.meta.summary } : {}),
            ...(previous.pageContext ? { pageContext: previous.pageContext } : {}),
          },
        };
      }
      if (attempt >= LEDGER_ATTEMPTS) return { retry: key, failure: failure(key, [{ file: key, line: 1, column: 1, message: 'the lesson changed under this upload too often: it will be retried' }]) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const stored = { file: key, line: 1, column: 1, message: `could not be stored (${message}); nothing of this version was published` };
      return isPermanent(error) ? { failure: failure(key, [stored]) } : { retry: key, failure: failure(key, [stored]) };
    }
  }
}

export async function writeTable(decision: Decision, deps: TableDeps): Promise<TableOutcome> {
  const outcome: TableOutcome = { tracks: [], units: [], published: [], removed: [], stale: [], failures: [], retry: [] };
  const { store } = deps;

  const committedGroups = { tracks: new Set<string>(), units: new Set<string>(), removed: new Set<string>() };
  for (const change of decision.groups) {
    const id = change.ref.unit === undefined ? change.ref.track : `${change.ref.track}/${change.ref.unit}`;
    const group = change.meta && (change.ref.unit === undefined ? { id: change.ref.track, ...change.meta } : { id: change.ref.unit, track: change.ref.track, ...change.meta });
    const result = await commitGroup(store, change.ref, group, { key: change.key, ...(change.sequencer ? { sequencer: change.sequencer } : {}) });
    if (result === 'stale') {
      outcome.stale.push(change.key);
      continue;
    }
    if (!group) committedGroups.removed.add(id);
    else if (change.ref.unit === undefined) committedGroups.tracks.add(id);
    else committedGroups.units.add(id);
    (change.ref.unit === undefined ? outcome.tracks : outcome.units).push(id);
  }

  const context = await referencedContext(decision, committedGroups, deps);
  const shape = decision.lessons.length > 0 ? await batchShape(decision, store) : { prerequisites: new Map(), batchOrders: new Map() };
  // Lessons are independent of each other here (the context is fixed), so a few are written at once.
  await forEachLimited(decision.lessons, WRITE_CONCURRENCY, async (change) => {
    const result = await publishLesson(change, context, shape, decision, deps);
    if ('published' in result) outcome.published.push(result.published);
    else if ('stale' in result) outcome.stale.push(result.stale);
    else {
      outcome.failures.push(result.failure);
      if ('retry' in result) outcome.retry.push(result.retry);
    }
  });
  outcome.published.sort((a, b) => a.id.localeCompare(b.id));

  // Removed lesson files take the lesson down, unless it now lives at another key (a move).
  const movedHere = new Set(outcome.published.map((p) => p.id));
  for (const removal of decision.removals) {
    if (movedHere.has(removal.lessonId)) continue;
    const file = { key: removal.key, ...(removal.sequencer ? { sequencer: removal.sequencer } : {}) };
    for (let attempt = 1; attempt <= LEDGER_ATTEMPTS; attempt++) {
      const previous = await readLessonPartition(store, removal.lessonId);
      if (previous.meta?.source !== removal.key) break;
      const result = await commitLessonRemoval(store, removal.lessonId, previous, nextLedger(previous.ledger, undefined, deps.now), file);
      if (result === 'committed') outcome.removed.push(removal.lessonId);
      if (result === 'stale') outcome.stale.push(removal.key);
      if (result !== 'ledger-changed') break;
      if (attempt === LEDGER_ATTEMPTS) outcome.retry.push(removal.key);
    }
  }
  return outcome;
}
