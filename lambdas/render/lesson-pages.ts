import { createHash } from 'node:crypto';
import type { AssetManifest } from './assets';
import { calloutMarkup, mcqMarkup, orderingMarkup, recallMarkup, summaryMarkup } from './templates/exercises';
import { conceptIndexPage, homePage, lessonPage } from './templates/pages';
import { findLesson, type Catalog, type LessonSummary } from '../domain/catalog';
import { appearsAgainIn, conceptIndex, lessonsInOrder } from '../domain/concepts';
import { readingMinutes, type Block, type Lesson } from '../domain/lesson';
import { createMarkdownRenderer } from './markdown';

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

/** Renders the body of a lesson: prose, callouts and exercise markup without answer keys. */
export function renderLessonBody(lesson: Lesson): string {
  const md = createMarkdownRenderer();
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
 * The full lesson page from an already rendered body: ingest stores bodies, so a neighbour's page
 * can be rebuilt when the catalog around it changes, without its source file.
 */
export const renderLessonPageFromBody = (summary: LessonSummary, body: string, catalog: Catalog, assets?: AssetManifest) =>
  lessonPage({ ...pageContext(catalog, summary), content: body, assets });

/** The full lesson page, placed in the catalog (breadcrumb, previous and next, related lessons). */
export const renderLessonPage = (lesson: Lesson, catalog: Catalog, assets?: AssetManifest) =>
  renderLessonPageFromBody(lessonSummary(lesson), renderLessonBody(lesson), catalog, assets);

export const renderHomePage = (catalog: Catalog, assets?: AssetManifest) => homePage(catalog, assets);
export const renderConceptIndexPage = (catalog: Catalog, assets?: AssetManifest) => conceptIndexPage(conceptIndex(catalog), assets);

/** The catalog as the site serves it (`/catalog.json`): summaries only, no bodies, no keys. */
export const catalogJson = (catalog: Catalog) => `${JSON.stringify(catalog)}\n`;
