import { createHash } from 'node:crypto';
import { calloutMarkup, mcqMarkup, orderingMarkup, recallMarkup, summaryMarkup } from '../../web/templates/exercises';
import { homePage, lessonPage } from '../../web/templates/pages';
import { findLesson, type Catalog, type LessonSummary } from './catalog';
import { readingMinutes, type Block, type Lesson } from './lesson';
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

/** The full lesson page, placed in the catalog (breadcrumb, previous and next). */
export function renderLessonPage(lesson: Lesson, catalog: Catalog): string {
  const summary = lessonSummary(lesson);
  const found = findLesson(catalog, summary.id);
  const flat = catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons));
  const index = flat.findIndex((l) => l.id === summary.id);
  return lessonPage({
    lesson: summary,
    track: found?.track ?? { id: summary.track, title: summary.track },
    unit: found?.unit ?? { id: summary.unit, title: summary.unit },
    content: renderLessonBody(lesson),
    ...(index > 0 ? { previous: flat[index - 1] } : {}),
    ...(index >= 0 && index < flat.length - 1 ? { next: flat[index + 1] } : {}),
  });
}

export const renderHomePage = (catalog: Catalog) => homePage(catalog);
