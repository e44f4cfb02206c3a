import { api, ApiError } from './api';
import { session } from './auth';
import { $, el } from './dom';
import { signInPrompt } from './pages';

/** What `GET /api/authors/stats` returns (lambdas/domain/item-stats.ts). */
interface DashboardItem {
  itemId: string;
  kind: 'mcq' | 'ordering' | 'recall';
  attempts: number;
  percentCorrect?: number | null;
  picks?: Record<string, number>;
  correctChoices?: string[];
  ratings?: Record<string, number>;
  flags: ('too-easy' | 'too-hard' | 'unpicked-distractor')[];
}
interface DashboardLesson {
  lessonId: string;
  title: string;
  items: DashboardItem[];
}
/** One ingest's verdicts, as kept for the dashboard (lambdas/store/ingest-reports.ts). */
interface IngestReport {
  id: string;
  at: string;
  files: { file: string; verdict: 'live' | 'unchanged' | 'rejected' | 'removed'; problems: { line: number; column: number; message: string }[]; moreProblems?: number }[];
  moreFiles: number;
}
interface Dashboard {
  rules: { tooEasyAbove: number; tooHardBelow: number; minAttempts: number };
  lessons: DashboardLesson[];
  reports?: IngestReport[];
}

const flagText = (flag: DashboardItem['flags'][number], rules: Dashboard['rules']) =>
  flag === 'too-easy' ? `too easy (over ${rules.tooEasyAbove} % correct)` : flag === 'too-hard' ? `too hard (under ${rules.tooHardBelow} % correct)` : 'a wrong choice nobody picks';

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Picks per choice as a horizontal bar chart: one `role="img"` picture whose accessible name says
 * every number, so the chart is never the only way to read them. Correct choices get their own class.
 */
export function picksChart(item: DashboardItem): SVGSVGElement {
  const picks = Object.entries(item.picks ?? {});
  const correct = new Set(item.correctChoices ?? []);
  const most = Math.max(1, ...picks.map(([, n]) => n));
  const row = 26;
  const labelWidth = 170;
  const barWidth = 240;
  const width = labelWidth + barWidth + 60;
  const height = picks.length * row + 4;
  const description = `Picks per choice for ${item.itemId}: ${picks.map(([choice, n]) => `${choice}${correct.has(choice) ? ' (correct)' : ''} ${n}`).join(', ')}.`;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': description, class: 'picks-chart' });
  chart.append(svg('title', {}, description));
  picks.forEach(([choice, n], i) => {
    const y = i * row + 2;
    const label = svg('text', { x: 0, y: y + 17, class: 'chart-label' }, `${correct.has(choice) ? '✓ ' : ''}${choice}`);
    const bar = svg('rect', { x: labelWidth, y: y + 4, height: row - 8, width: Math.max(2, (n / most) * barWidth), class: correct.has(choice) ? 'bar bar-correct' : 'bar' });
    const count = svg('text', { x: labelWidth + (n / most) * barWidth + 8, y: y + 17, class: 'chart-label' }, String(n));
    chart.append(label, bar, count);
  });
  return chart;
}

const percent = (item: DashboardItem) => (item.percentCorrect == null ? '—' : `${item.percentCorrect} %`);
const ratingsText = (ratings: Record<string, number>) => ['again', 'hard', 'good', 'easy'].map((r) => `${r} ${ratings[r] ?? 0}`).join(' · ');

function lessonSection(lesson: DashboardLesson, rules: Dashboard['rules']): HTMLElement {
  const titleId = `lesson-${lesson.lessonId}`;
  const section = el('section', { class: 'dashboard-lesson', 'aria-labelledby': titleId });
  const heading = el('h2', { id: titleId });
  heading.append(el('a', { href: `/lessons/${lesson.lessonId}/` }, lesson.title));
  const table = el('table', { class: 'item-stats' });
  table.append(el('caption', {}, `Exercises of ${lesson.title}`));
  const head = el('tr');
  for (const name of ['Item', 'Kind', 'Attempts', 'Correct', 'Self-ratings', 'Flags']) head.append(el('th', { scope: 'col' }, name));
  table.append(el('thead'), el('tbody'));
  table.tHead!.append(head);
  const charts = el('div', { class: 'charts' });
  for (const item of lesson.items) {
    const tr = el('tr', { 'data-item': item.itemId });
    tr.append(
      el('th', { scope: 'row' }, item.itemId),
      el('td', {}, item.kind),
      el('td', {}, String(item.attempts)),
      el('td', {}, item.kind === 'recall' ? '—' : percent(item)),
      el('td', {}, item.ratings ? ratingsText(item.ratings) : '—'),
      el('td', { class: item.flags.length > 0 ? 'flagged' : '' }, item.flags.map((f) => flagText(f, rules)).join('; ') || 'none'),
    );
    table.tBodies[0]!.append(tr);
    if (item.kind === 'mcq' && item.picks) {
      const figure = el('figure', { class: 'picks' });
      figure.append(picksChart(item), el('figcaption', {}, `${item.itemId}: picks per choice (✓ marks a correct choice), ${item.attempts} ${item.attempts === 1 ? 'attempt' : 'attempts'}`));
      charts.append(figure);
    }
  }
  const scroller = el('div', { class: 'table-scroll', role: 'region', 'aria-label': `Statistics of ${lesson.title}`, tabindex: '0' });
  scroller.append(table);
  section.append(heading, scroller, charts);
  return section;
}

/** Files of one report shown with a row each besides the rejected ones (which always are); the rest are counted. */
const ROWS_PER_REPORT = 10;

/**
 * The latest ingest reports as one table, newest first: a row per judged file with its verdict and
 * every problem as `file:line:col message`, as `content publish` prints them. A rejected file always
 * has its row; of the others (a first publish judges a whole tree) a report shows ten and counts the rest.
 */
export function reportsTable(reports: readonly IngestReport[]): HTMLElement {
  const table = el('table', { class: 'item-stats ingest-reports' });
  table.append(el('caption', {}, `The latest ${reports.length} ingest ${reports.length === 1 ? 'report' : 'reports'}, newest first: one row per file judged`));
  const head = el('tr');
  for (const name of ['When', 'File', 'Verdict', 'Problems']) head.append(el('th', { scope: 'col' }, name));
  table.append(el('thead'), el('tbody'));
  table.tHead!.append(head);
  for (const report of reports) {
    const when = new Date(report.at);
    const row = (file: string, verdict: string, problems: HTMLElement | string, state?: string) => {
      const tr = el('tr', { 'data-report': report.id });
      const cell = el('td');
      cell.append(el('time', { datetime: report.at }, Number.isNaN(when.getTime()) ? report.at : when.toLocaleString()));
      const problemCell = el('td');
      problemCell.append(problems);
      tr.append(cell, el('th', { scope: 'row' }, file), el('td', { class: state ? `verdict verdict-${state}` : 'verdict' }, verdict), problemCell);
      table.tBodies[0]!.append(tr);
    };
    const rejected = report.files.filter((f) => f.verdict === 'rejected');
    const others = report.files.filter((f) => f.verdict !== 'rejected');
    for (const file of [...rejected, ...others.slice(0, ROWS_PER_REPORT)]) {
      const list = el('ul', { class: 'report-problems' });
      for (const p of file.problems) list.append(el('li', {}, `${file.file}:${p.line}:${p.column} ${p.message}`));
      if (file.moreProblems) list.append(el('li', {}, `and ${file.moreProblems} more`));
      row(file.file, file.verdict, file.problems.length > 0 ? list : '—', file.verdict);
    }
    const counted = new Map<string, number>();
    for (const f of others.slice(ROWS_PER_REPORT)) counted.set(f.verdict, (counted.get(f.verdict) ?? 0) + 1);
    const more = others.length - Math.min(others.length, ROWS_PER_REPORT) + report.moreFiles;
    if (more > 0) row(`and ${more} more ${more === 1 ? 'file' : 'files'}`, [...counted].map(([verdict, n]) => `${n} ${verdict}`).join(', ') || 'not kept', '—');
  }
  const scroller = el('div', { class: 'table-scroll', role: 'region', 'aria-label': 'Ingest reports, one row per file', tabindex: '0' });
  scroller.append(table);
  return scroller;
}

export async function authorsPage(): Promise<void> {
  const status = $('.dashboard-status');
  if (!session()) return signInPrompt(status, 'the statistics (authors only)');
  let dashboard: Dashboard;
  try {
    dashboard = await api<Dashboard>('GET', '/api/authors/stats');
  } catch (error) {
    if (status) status.textContent = error instanceof ApiError && error.status === 403 ? 'This page is for authors: your account is not in the authors group.' : `Could not load the statistics: ${error instanceof Error ? error.message : String(error)}`;
    return;
  }
  const items = dashboard.lessons.flatMap((l) => l.items.map((item) => ({ lesson: l, item })));
  const flagged = items.filter(({ item }) => item.flags.length > 0);
  if (status) status.textContent = `${dashboard.lessons.length} lessons, ${items.length} exercises, ${items.reduce((n, { item }) => n + item.attempts, 0)} answers, ${flagged.length} flagged.`;
  const flags = $('.dashboard-flags');
  if (flags && flagged.length > 0) {
    const list = $('.flag-list', flags)!;
    for (const { lesson, item } of flagged) {
      const li = el('li');
      li.append(el('a', { href: `#lesson-${lesson.lessonId}` }, `${lesson.title} — ${item.itemId}`), document.createTextNode(`: ${item.flags.map((f) => flagText(f, dashboard.rules)).join('; ')}`));
      list.append(li);
    }
    flags.hidden = false;
  }
  const reports = $('.dashboard-reports');
  if (reports) {
    if ((dashboard.reports ?? []).length > 0) reports.append(reportsTable(dashboard.reports!));
    else $('.reports-empty', reports)!.hidden = false;
    reports.hidden = false;
  }
  $('.dashboard-lessons')!.append(...dashboard.lessons.map((lesson) => lessonSection(lesson, dashboard.rules)));
}
