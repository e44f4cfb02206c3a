import { accuracyByTrack } from './accuracy';
import { api } from './api';
import { session } from './auth';
import { $, announce, el } from './dom';
import { signInPrompt } from './pages';

/**
 * The statistics page: each picture is an inline SVG (no chart library, no other origin), marked
 * aria-hidden, and followed by a table with the same numbers, which is what assistive technology reads.
 */

interface Stats {
  today: string;
  forecast: { day: string; due: number }[];
  heatmap: { day: string; reviews: number }[];
  retention: { target: number; reviews: number; recalled: number; measured: number | null };
  accuracy: { lessonId: string; right: number; total: number }[];
}
type Catalog = { tracks: { id: string; title: string; units: { lessons: { id: string; title: string }[] }[] }[] };

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function picture(width: number, height: number): SVGElement {
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg', 'aria-hidden': 'true', focusable: 'false' });
}

function table(caption: string, head: string[], rows: (string | number)[][]): HTMLElement {
  const wrap = el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption });
  const t = el('table');
  t.append(el('caption', {}, caption));
  const thead = el('thead');
  const tr = el('tr');
  for (const h of head) tr.append(el('th', { scope: 'col' }, h));
  thead.append(tr);
  const tbody = el('tbody');
  for (const row of rows) {
    const r = el('tr');
    row.forEach((cell, i) => r.append(i === 0 ? el('th', { scope: 'row' }, String(cell)) : el('td', {}, String(cell))));
    tbody.append(r);
  }
  t.append(thead, tbody);
  wrap.append(t);
  return wrap;
}

const shortDay = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const pct = (x: number) => `${Math.round(x * 100)}%`;

function bars(values: { label: string; value: number }[]): SVGElement {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...values.map((v) => v.value));
  const step = width / values.length;
  const chart = picture(width, height + 20);
  values.forEach((v, i) => {
    const h = (v.value / max) * height;
    chart.append(svg('rect', { x: i * step + 1, y: height - h, width: Math.max(1, step - 2), height: h, class: 'bar' }));
    if (i % 7 === 0) chart.append(svg('text', { x: i * step, y: height + 15, class: 'axis' }, v.label));
  });
  return chart;
}

function heatmap(days: Stats['heatmap']): SVGElement {
  const cell = 14;
  const first = new Date(`${days[0]!.day}T12:00:00Z`).getUTCDay();
  const weeks = Math.ceil((days.length + first) / 7);
  const max = Math.max(1, ...days.map((d) => d.reviews));
  const chart = picture(weeks * cell, 7 * cell);
  days.forEach((d, i) => {
    const at = i + first;
    const level = d.reviews === 0 ? 0 : Math.ceil((d.reviews / max) * 4);
    chart.append(svg('rect', { x: Math.floor(at / 7) * cell, y: (at % 7) * cell, width: cell - 2, height: cell - 2, rx: 2, class: `heat heat-${level}` }));
  });
  return chart;
}

function retentionPicture(r: Stats['retention']): SVGElement {
  const width = 600;
  const chart = picture(width, 70);
  chart.append(svg('rect', { x: 0, y: 10, width, height: 24, class: 'track-bg' }));
  if (r.measured !== null) chart.append(svg('rect', { x: 0, y: 10, width: r.measured * width, height: 24, class: 'bar' }));
  chart.append(svg('line', { x1: r.target * width, x2: r.target * width, y1: 2, y2: 42, class: 'target' }));
  chart.append(svg('text', { x: Math.min(r.target * width, width - 90), y: 60, class: 'axis' }, `target ${pct(r.target)}`));
  return chart;
}

export async function statsPage(): Promise<void> {
  const status = $('.stats-status');
  if (!session()) return signInPrompt(status, 'your statistics');
  const [stats, catalog] = await Promise.all([api<Stats>('GET', '/api/me/stats'), fetch('/catalog.json').then((r) => r.json() as Promise<Catalog>)]);
  const lessonTitle = new Map<string, string>();
  const trackOf = new Map<string, string>();
  for (const track of catalog.tracks) for (const lesson of track.units.flatMap((u) => u.lessons)) {
    lessonTitle.set(lesson.id, lesson.title);
    trackOf.set(lesson.id, track.title);
  }

  const forecast = $('.forecast-chart')!;
  forecast.append(
    bars(stats.forecast.map((f) => ({ label: shortDay(f.day), value: f.due }))),
    table('Cards due per day (today includes overdue cards)', ['Day', 'Cards due'], stats.forecast.map((f, i) => [i === 0 ? `Today (${shortDay(f.day)})` : shortDay(f.day), f.due])),
  );

  const activeDays = stats.heatmap.filter((d) => d.reviews > 0);
  $('.heatmap-chart')!.append(
    heatmap(stats.heatmap),
    el('p', {}, `${activeDays.length} of 90 days with reviews, ${stats.heatmap.reduce((n, d) => n + d.reviews, 0)} reviews in all.`),
    table('Reviews per day, days with reviews only', ['Day', 'Reviews'], activeDays.map((d) => [shortDay(d.day), d.reviews])),
  );

  const r = stats.retention;
  $('.retention-chart')!.append(
    retentionPicture(r),
    el('p', {}, r.measured === null ? `No mature reviews yet; your target is ${pct(r.target)}.` : `You recalled ${pct(r.measured)} of ${r.reviews} reviews of mature cards; your target is ${pct(r.target)}.`),
    table('True retention against the target', ['Measure', 'Value'], [
      ['Desired retention', pct(r.target)],
      ['Measured retention', r.measured === null ? 'not enough reviews' : pct(r.measured)],
      ['Reviews of mature cards', r.reviews],
      ['Recalled (not Again)', r.recalled],
    ]),
  );

  const accuracy = $('.accuracy-chart')!;
  const rows = accuracyByTrack(stats.accuracy, trackOf);
  const chart = picture(600, Math.max(1, rows.length) * 28);
  rows.forEach((row, i) => {
    chart.append(svg('rect', { x: 200, y: i * 28 + 4, width: row.value * 400, height: 20, class: 'bar' }));
    chart.append(svg('text', { x: 0, y: i * 28 + 19, class: 'axis' }, row.label.slice(0, 28)));
  });
  accuracy.append(
    chart,
    table('Accuracy per track', ['Track', 'Right', 'Answers', 'Accuracy'], rows.map((row) => [row.label, Math.round(row.value * row.n), row.n, pct(row.value)])),
    table('Accuracy per lesson', ['Lesson', 'Right', 'Answers', 'Accuracy'], stats.accuracy.map((a) => [lessonTitle.get(a.lessonId) ?? a.lessonId, a.right, a.total, pct(a.right / a.total)])),
  );
  $('.stats')!.hidden = false;
  announce(status, `Statistics for the 30 days from ${shortDay(stats.today)}.`);
}
