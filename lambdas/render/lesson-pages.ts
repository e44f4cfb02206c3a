import { createHash } from 'node:crypto';
import type { AssetManifest } from './assets';
import { calloutMarkup, mcqMarkup, orderingMarkup, recallMarkup, summaryMarkup } from './templates/exercises';
import { conceptIndexPage, homePage, lessonPage } from './templates/pages';
import { findLesson, type Catalog, type LessonSummary } from '../domain/catalog';
import { appearsAgainIn, conceptIndex, lessonsInOrder } from '../domain/concepts';
import { readingMinutes, type Block, type Lesson } from '../domain/lesson';
import { createMarkdownRenderer, type FigureResolver } from './markdown';

/** A fixed, content-derived shuffle: the page never shows steps in their correct order. */
export function shuffleSteps<T extends { id: string }>(itemId: string, steps: T[]): T[] {
  if (steps.length < 2) return steps;
  const rank = (id: string) => createHash('sha256').update(`${itemId}/${id}`).digest('hex');
  const shuffled = [...steps].sort((a, b) => rank(a.id).localeCompare(rank(b.id)));
  const unchanged = shuffled.every((step, i) => step.id === steps[i]?.id);
  return unchanged ? [...shuffled.slice(1), shuffled[0]!] : shuffled;
}

export function lessonSummary(lesson: Lesson): LessonSummary {
  const { id, title, track, unit, order, level, concepts, summary } = lesson.meta;
  return { id, title, track, unit, order, level, concepts, summary, readingMinutes: readingMinutes(lesson) };
}

/**
 * Renders the body of a lesson: prose, callouts and exercise markup without answer keys; with
 * `figures`, its image references as the published figures they name.
 */
export function renderLessonBody(lesson: Lesson, options: { figures?: FigureResolver } = {}): string {
  const md = createMarkdownRenderer(options);
  const lessonId = lesson.meta.id;
  const renderBlock = (block: Block): string => {
    switch (block.kind) {
      case 'markdown':
        return md.block(block.text);
      case 'callout':
        return calloutMarkup(block.variant, md.block(block.text)).value;
      case 'summary':
        return summaryMarkup(md.block(block.text)).value;
      case 'mcq': {
        const { id, prompt, choices } = block.exercise;
        const multiple = choices.filter((c) => c.correct).length > 1;
        return mcqMarkup(lessonId, { id, prompt, multiple, choices: choices.map(({ id: cid, text }) => ({ id: cid, text })) }, md.inline).value;
      }
      case 'ordering':
        return orderingMarkup(lessonId, { ...block.exercise, steps: shuffleSteps(block.exercise.id, block.exercise.steps) }, md.inline).value;
      case 'recall':
        return recallMarkup(block.exercise, md.inline).value;
    }
  };
  return lesson.blocks.map(renderBlock).join('\n');
}

/** Everything a lesson page shows besides its own body: where it sits and what it links to. */
export function pageContext(catalog: Catalog, summary: LessonSummary) {
  const found = findLesson(catalog, summary.id);
  const flat = lessonsInOrder(catalog);
  const index = flat.findIndex((l) => l.id === summary.id);
  const link = (l: LessonSummary | undefined) => (l ? { id: l.id, title: l.title } : undefined);
  return {
    lesson: summary,
    track: { id: summary.track, title: found?.track.title ?? summary.track },
    unit: { id: summary.unit, title: found?.unit.title ?? summary.unit },
    previous: index > 0 ? link(flat[index - 1]) : undefined,
    next: index >= 0 ? link(flat[index + 1]) : undefined,
    appearsAgain: appearsAgainIn(catalog, summary.id),
  };
}
export type PageContext = ReturnType<typeof pageContext>;

/**
 * `pageContext` of every lesson at once, in time proportional to the lessons and the concepts they
 * share (not lessons squared): what a catalog-wide render pass needs.
 */
export function allPageContexts(catalog: Catalog): Map<string, PageContext> {
  const flat = lessonsInOrder(catalog);
  const place = new Map<string, { track: string; unit: string }>();
  for (const track of catalog.tracks) for (const unit of track.units) for (const lesson of unit.lessons) if (!place.has(lesson.id)) place.set(lesson.id, { track: track.title, unit: unit.title });
  const byConcept = new Map<string, number[]>();
  flat.forEach((lesson, position) => {
    for (const concept of new Set(lesson.concepts)) {
      if (!byConcept.has(concept)) byConcept.set(concept, []);
      byConcept.get(concept)!.push(position);
    }
  });
  const link = (l: LessonSummary | undefined) => (l ? { id: l.id, title: l.title } : undefined);
  const contexts = new Map<string, PageContext>();
  flat.forEach((summary, index) => {
    if (contexts.has(summary.id)) return;
    const candidates = new Set<number>();
    for (const concept of summary.concepts) for (const position of byConcept.get(concept) ?? []) candidates.add(position);
    const related: { lesson: { id: string; title: string; level: LessonSummary['level'] }; shared: string[]; position: number }[] = [];
    for (const position of [...candidates].sort((a, b) => a - b)) {
      const other = flat[position]!;
      if (other.id === summary.id) continue;
      const shared = summary.concepts.filter((c) => other.concepts.includes(c));
      if (shared.length > 0) related.push({ lesson: { id: other.id, title: other.title, level: other.level }, shared, position });
    }
    const found = place.get(summary.id);
    contexts.set(summary.id, {
      lesson: summary,
      track: { id: summary.track, title: found?.track ?? summary.track },
      unit: { id: summary.unit, title: found?.unit ?? summary.unit },
      previous: index > 0 ? link(flat[index - 1]) : undefined,
      next: link(flat[index + 1]),
      appearsAgain: related.sort((a, b) => b.shared.length - a.shared.length || a.position - b.position).map(({ lesson, shared }) => ({ lesson, shared })),
    });
  });
  return contexts;
}

/**
 * The full lesson page from an already rendered body: ingest stores bodies, so a neighbour's page
 * can be rebuilt when the catalog around it changes, without its source file.
 */
export const renderLessonPageFromBody = (summary: LessonSummary, body: string, catalog: Catalog, assets?: AssetManifest) =>
  lessonPage({ ...pageContext(catalog, summary), content: body, assets });

/**
 * The full lesson page from a body and a context kept from the page's last rendering: a prose-only
 * edit leaves the context as it was, so its page is rebuilt without reading the catalog.
 */
export const renderLessonPageInContext = (context: PageContext, body: string, assets?: AssetManifest) => lessonPage({ ...context, content: body, assets });

/** The full lesson page, placed in the catalog (breadcrumb, previous and next, related lessons). */
export const renderLessonPage = (lesson: Lesson, catalog: Catalog, assets?: AssetManifest) =>
  renderLessonPageFromBody(lessonSummary(lesson), renderLessonBody(lesson), catalog, assets);

export const renderHomePage = (catalog: Catalog, assets?: AssetManifest) => homePage(catalog, assets);
export const renderConceptIndexPage = (catalog: Catalog, assets?: AssetManifest) => conceptIndexPage(conceptIndex(catalog), assets);

/** The catalog as the site serves it (`/catalog.json`): summaries only, no bodies, no keys. */
export const catalogJson = (catalog: Catalog) => `${JSON.stringify(catalog)}\n`;
