import type { Catalog, CatalogTrack, CatalogUnit, LessonSummary } from '../../domain/catalog';
import type { ConceptEntry, RelatedLesson } from '../../domain/concepts';
import { lessonPath } from '../paths';
import type { AssetManifest } from '../assets';
import { html, raw, type SafeHtml } from './html';
import { layout } from './layout';

const levelBadge = (level: string) => html`<span class="level level-${level}">${level}</span>`;

function lessonCard(lesson: LessonSummary): SafeHtml {
  // data-search is the static search index: title and concepts, lower-cased, searched in the browser.
  const search = [lesson.title, ...lesson.concepts].join(' ').toLowerCase();
  return html`<li class="lesson-card" data-level="${lesson.level}" data-lesson="${lesson.id}" data-search="${search}">
<a href="${lessonPath(lesson.id)}">${lesson.title}</a> ${levelBadge(lesson.level)} <span class="progress-mark" hidden></span>
<p>${lesson.summary}</p>
<p class="meta">${lesson.readingMinutes} min read</p>
</li>`;
}

const unitSection = (unit: CatalogUnit) => html`<section class="unit" aria-labelledby="unit-${unit.track}-${unit.id}">
<h3 id="unit-${unit.track}-${unit.id}">${unit.title}</h3>
${unit.description ? html`<p>${unit.description}</p>` : ''}
<ol class="lessons">${unit.lessons.map(lessonCard)}</ol>
</section>`;

const trackSection = (track: CatalogTrack) => html`<section class="track" aria-labelledby="track-${track.id}">
<h2 id="track-${track.id}">${track.title}</h2>
${track.description ? html`<p class="lead">${track.description}</p>` : ''}
${track.units.map(unitSection)}
</section>`;

/**
 * Level filter and search: invisible without JavaScript (the full catalog is shown), revealed by the
 * client. Its space is kept meanwhile (`.pending`), so revealing it shifts nothing.
 */
const catalogFilter = html`<form class="catalog-filter pending" role="search">
<div class="field"><label for="catalog-search">Search titles and concepts</label>
<input type="search" id="catalog-search" name="q" autocomplete="off"></div>
<div class="field"><label for="catalog-level">Level</label>
<select id="catalog-level" name="level"><option value="">All levels</option><option value="junior">Junior</option><option value="middle">Middle</option><option value="senior">Senior</option></select></div>
<p class="filter-status" role="status" aria-live="polite"></p>
</form>`;

export function homePage(catalog: Catalog, assets?: AssetManifest): string {
  const count = catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons)).length;
  const body = html`<h1>Lessons</h1>
<p class="lead">Short lessons on the systems you build: ${count} ${count === 1 ? 'lesson' : 'lessons'} in ${catalog.tracks.length} ${catalog.tracks.length === 1 ? 'track' : 'tracks'}.</p>
${count === 0 ? html`<p>No lessons are published yet.</p>` : [catalogFilter, ...catalog.tracks.map(trackSection)]}`;
  return layout({ title: 'Rungs — lessons', description: 'Short lessons for software engineers, with exercises and spaced-repetition reviews.', body, path: '/', assets, page: 'home' });
}

export interface LessonPageOptions {
  lesson: LessonSummary;
  track: { id: string; title: string };
  unit: { id: string; title: string };
  /** Already rendered HTML of the lesson body (prose and exercises, never answer keys). */
  content: string;
  previous?: { id: string; title: string } | undefined;
  next?: { id: string; title: string } | undefined;
  /** Other lessons sharing a concept with this one, computed from the whole catalog. */
  appearsAgain?: RelatedLesson[];
  assets?: AssetManifest | undefined;
}

export const conceptAnchor = (concept: string) => `concept-${concept}`;
const conceptLink = (concept: string) => html`<a href="/concepts/#${conceptAnchor(concept)}">${concept}</a>`;

function appearsAgainSection(related: RelatedLesson[]): SafeHtml | string {
  if (related.length === 0) return '';
  return html`<section class="appears-again" aria-labelledby="appears-again">
<h2 id="appears-again">Appears again in</h2>
<ul>
${related.map(
  ({ lesson, shared }) => html`<li><a href="${lessonPath(lesson.id)}">${lesson.title}</a> ${levelBadge(lesson.level)} <span class="meta">${shared.map((c, i) => html`${i > 0 ? ', ' : ''}${conceptLink(c)}`)}</span></li>`,
)}
</ul>
</section>`;
}

export function lessonPage({ lesson, track, unit, content, previous, next, appearsAgain = [], assets }: LessonPageOptions): string {
  const body = html`<article class="lesson" data-lesson-id="${lesson.id}">
<nav aria-label="Breadcrumb" class="breadcrumb"><ol><li><a href="/">Lessons</a></li><li>${track.title}</li><li>${unit.title}</li></ol></nav>
<header>
<h1>${lesson.title}</h1>
<p class="meta">${levelBadge(lesson.level)} <span>${lesson.readingMinutes} min read</span></p>
<p class="lead">${lesson.summary}</p>
<p class="concepts meta">Concepts: ${lesson.concepts.map((c, i) => html`${i > 0 ? ', ' : ''}${conceptLink(c)}`)}</p>
</header>
${raw(content)}
${appearsAgainSection(appearsAgain)}
</article>
<nav class="pager" aria-label="Previous and next lesson">
${previous ? html`<a rel="prev" href="${lessonPath(previous.id)}">← ${previous.title}</a>` : ''}
${next ? html`<a rel="next" href="${lessonPath(next.id)}">${next.title} →</a>` : ''}
</nav>`;
  return layout({ title: `${lesson.title} — Rungs`, description: lesson.summary, body, path: lessonPath(lesson.id), assets, page: 'lesson' });
}

/** `/concepts/`: every concept with the lessons that teach it, so a learner can follow one thread. */
export function conceptIndexPage(entries: ConceptEntry[], assets?: AssetManifest): string {
  const body = html`<h1>Concepts</h1>
<p class="lead">${entries.length} ${entries.length === 1 ? 'concept' : 'concepts'}, each with the lessons that teach it.</p>
${entries.length === 0 ? html`<p>No lessons are published yet.</p>` : ''}
<dl class="concept-index">
${entries.map(
  ({ concept, lessons }) => html`<dt id="${conceptAnchor(concept)}">${concept}</dt>
<dd><ul>${lessons.map((l) => html`<li><a href="${lessonPath(l.id)}">${l.title}</a> ${levelBadge(l.level)}</li>`)}</ul></dd>`,
)}
</dl>`;
  return layout({ title: 'Concepts — Rungs', description: 'Every concept taught on Rungs and the lessons that teach it.', body, path: '/concepts/', assets, page: 'concepts' });
}
