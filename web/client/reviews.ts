import { api } from './api';
import { $, $$, announce, el } from './dom';
import { enhanceExercises, ratingGroup, type Answer, type Grade, type Rating } from './exercises';
import { reshuffle } from './ordering';
import { sendKept } from './pages';
import { exactTime, relativeTime } from './times';

/**
 * The review session: one card at a time. Multiple choice and ordering are answered and graded;
 * a recall prompt is revealed, then rated with the four buttons, each showing the interval the
 * server's scheduler computed for it. Keyboard: Space or Enter reveals, 1–4 rates, Enter goes on.
 * The queue is fetched again when the next card comes due, so the page never needs a reload.
 */

export interface ReviewCard {
  id: string;
  lessonId: string;
  itemId: string;
  kind: 'mcq' | 'ordering' | 'recall';
  due: string;
  previews?: Record<Rating, string>;
}
export interface Queue {
  at: string;
  cards: ReviewCard[];
  dueCount: number;
  counts: { new: number; learning: number; review: number };
  upcoming: ReviewCard[];
  today: { day: string; goal: number; done: number; streak: number };
}

const lessonDocs = new Map<string, Promise<Document>>();
export const lessonDoc = (lessonId: string) => {
  if (!lessonDocs.has(lessonId)) {
    lessonDocs.set(lessonId, fetch(`/lessons/${encodeURIComponent(lessonId)}/`).then(async (r) => new DOMParser().parseFromString(await r.text(), 'text/html')));
  }
  return lessonDocs.get(lessonId)!;
};

const [itemOf, promptOf] = [(card: ReviewCard) => card.itemId.split('--')[0]!, (card: ReviewCard) => card.itemId.split('--')[1]];

/** A card's title for lists: the lesson, then the question or recall prompt, in words. */
export async function cardTitle(card: ReviewCard): Promise<{ lesson: string; item: string }> {
  const doc = await lessonDoc(card.lessonId);
  const exercise = $(`.exercise[data-item="${CSS.escape(itemOf(card))}"]`, doc);
  const prompt = promptOf(card);
  const text = prompt ? $(`li[data-prompt="${CSS.escape(prompt)}"] p`, exercise ?? doc)?.textContent : $('legend', exercise ?? doc)?.textContent;
  return { lesson: $('h1', doc)?.textContent ?? card.lessonId, item: (text ?? '').replace(/\s*\(choose all that apply\)/, '').trim() || 'an exercise' };
}

/** The step order each ordering card was last shown in (per card id), so the next review differs. */
const SHOWN_KEY = 'rungs.shown';
const shownOrders = (): Record<string, string[]> => {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(SHOWN_KEY) ?? '{}');
    return stored && typeof stored === 'object' ? (stored as Record<string, string[]>) : {};
  } catch {
    return {}; // unreadable: start again, as on a first review
  }
};

/** Puts an ordering card's steps in a new order: not the one its last review showed, nor the lesson page's the first time. */
function arrangeSteps(cardId: string, list: HTMLElement): void {
  const items = $$('li', list);
  const ids = items.map((li) => li.dataset.step!);
  const shown = shownOrders();
  const order = reshuffle(ids, shown[cardId] ?? ids);
  localStorage.setItem(SHOWN_KEY, JSON.stringify({ ...shown, [cardId]: order }));
  list.append(...order.map((id) => items[ids.indexOf(id)]!));
}

export async function reviewsPage(): Promise<void> {
  const status = $('.review-status');
  const countsLine = $('.review-counts')!;
  const holder = $('.review-card')!;
  const upcomingSection = $<HTMLElement>('.upcoming')!;
  const tally: Record<Rating, number> = { again: 0, hard: 0, good: 0, easy: 0 };
  let reviewed = 0;
  /** Cards answered in this session and when they are due again, by the server's answer. */
  const answeredUntil = new Map<string, number>();
  let queue: Queue;
  let index = 0;
  let busy = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** What the keyboard does right now: reveal, rate 1–4, or go to the next card. */
  let keys: { reveal?: () => void; rate?: (i: number) => void; next?: () => void } = {};

  const load = async () => {
    queue = await api<Queue>('GET', '/api/me/reviews?due=now&limit=100');
    // The due index is eventually consistent: a card answered a moment ago may still read as due.
    queue.cards = queue.cards.filter((c) => !((answeredUntil.get(c.id) ?? 0) > Date.now()));
    index = 0;
    const { counts, today } = queue;
    countsLine.replaceChildren(
      el('span', { class: 'count-new' }, `${counts.new} new`), ' · ',
      el('span', { class: 'count-learning' }, `${counts.learning} learning`), ' · ',
      el('span', { class: 'count-review' }, `${counts.review} review`), ' due today. ',
      el('span', { class: 'goal' }, `Today: ${today.done} of ${today.goal} · streak ${today.streak} ${today.streak === 1 ? 'day' : 'days'}.`),
    );
    await showUpcoming();
    schedule();
  };

  /** Looks again when the next card comes due (and at least every minute, for other tabs' answers). */
  const schedule = () => {
    clearTimeout(timer);
    const next = queue.upcoming[0];
    const wait = next ? Math.min(60_000, Math.max(1000, Date.parse(next.due) - Date.now() + 500)) : 60_000;
    timer = setTimeout(async () => {
      if (busy || index < queue.cards.length) return schedule();
      await load();
      if (queue.cards.length > 0) await show();
      else schedule();
    }, wait);
  };

  const showUpcoming = async () => {
    const list = $('.upcoming-list', upcomingSection)!;
    const items = await Promise.all(
      queue.upcoming.slice(0, 10).map(async (card) => {
        const { lesson, item } = await cardTitle(card);
        const due = new Date(card.due);
        const li = el('li');
        li.append(el('a', { href: `/lessons/${card.lessonId}/` }, lesson), ` — ${item} `, el('time', { datetime: card.due, title: exactTime(due) }, relativeTime(due, new Date())));
        return li;
      }),
    );
    list.replaceChildren(...items);
    upcomingSection.hidden = items.length === 0;
  };

  const summary = () => {
    if (reviewed === 0) {
      const next = queue.upcoming[0];
      announce(status, next ? `Nothing is due right now. The next card comes due ${relativeTime(new Date(next.due), new Date())}; this page will show it then.` : 'Nothing is due right now.');
      return;
    }
    announce(status, 'Session done.');
    const box = el('section', { class: 'session-summary', 'aria-labelledby': 'summary-title' });
    box.append(
      el('h2', { id: 'summary-title' }, 'Session summary'),
      el('p', {}, `You reviewed ${reviewed} ${reviewed === 1 ? 'card' : 'cards'}: ${tally.again} again, ${tally.hard} hard, ${tally.good} good, ${tally.easy} easy.`),
      el('p', {}, `Today: ${queue.today.done} of ${queue.today.goal} · streak ${queue.today.streak} ${queue.today.streak === 1 ? 'day' : 'days'}.`),
    );
    holder.append(box);
  };

  const nextButton = () => {
    const next = el('button', { type: 'button', class: 'next-review' });
    next.append('Next ', el('kbd', {}, 'Enter'));
    let gone = false;
    const go = () => {
      if (gone) return;
      gone = true;
      keys = {};
      index++;
      void show().then(() => holder.focus());
    };
    next.addEventListener('click', go);
    keys = { next: go };
    holder.append(next);
    next.focus();
  };

  const answered = async (card: ReviewCard, grade: Grade, rating: Rating) => {
    if (grade.nextReview) answeredUntil.set(card.id, Date.parse(grade.nextReview));
    reviewed++;
    tally[rating]++;
    if (grade.scheduled) queue.today.done++;
  };

  const show = async (): Promise<void> => {
    holder.replaceChildren();
    keys = {};
    if (index >= queue.cards.length) {
      if (reviewed > 0 && index > 0) {
        // Cards answered Again come back within minutes: look for them before calling it a day.
        await load();
        if (queue.cards.length > 0) return show();
      }
      summary();
      return;
    }
    const card = queue.cards[index]!;
    const left = queue.cards.length - index;
    announce(status, `${left} ${left === 1 ? 'card' : 'cards'} left in this session.`);
    const doc = await lessonDoc(card.lessonId);
    const exercise = $(`.exercise[data-item="${CSS.escape(itemOf(card))}"]`, doc);
    const from = el('p', { class: 'meta' }, 'From ');
    from.append(el('a', { href: `/lessons/${card.lessonId}/` }, $('h1', doc)?.textContent ?? card.lessonId));
    if (!exercise) {
      holder.append(from, el('p', {}, 'This exercise is no longer in its lesson.'));
      return nextButton();
    }
    const copy = document.importNode(exercise, true) as HTMLElement;
    holder.append(from, copy);
    // A session that ends on the way keeps the answer for the merge on sign-in (see `sendKept`).
    const send = (answer: Answer) => sendKept(card.lessonId, itemOf(card), answer, () => api<Grade>('POST', `/api/me/reviews/${encodeURIComponent(card.id)}`, { answer }, { idempotent: true }));
    if (card.kind === 'recall') return showRecall(card, copy, send);
    if (card.kind === 'ordering') {
      // A new shuffle for every review, so the order is recalled, not the last arrangement.
      arrangeSteps(card.id, $('.steps', copy)!);
    }
    let done = false;
    enhanceExercises(holder, (_item, answer) => send(answer), (_item, grade) => {
      if (done) return;
      done = true;
      void answered(card, grade, grade.correct ? 'good' : 'again');
      for (const control of $$<HTMLInputElement | HTMLButtonElement>('input, button', copy)) control.disabled = true;
      nextButton();
    });
    $<HTMLElement>('input:not([type="hidden"]), button', copy)?.focus();
  };

  const showRecall = (card: ReviewCard, copy: HTMLElement, send: (answer: Answer) => Promise<Grade>) => {
    const prompt = promptOf(card)!;
    for (const li of $$('li[data-prompt]', copy)) if (li.dataset.prompt !== prompt) li.remove();
    const details = $<HTMLDetailsElement>('details', copy)!;
    const reveal = el('button', { type: 'button', class: 'reveal' });
    reveal.append('Show answer ', el('kbd', {}, 'Space'));
    const feedbackBox = el('div', { class: 'feedback', role: 'status', 'aria-live': 'polite', tabindex: '-1' });
    let rated = false;
    const rate = async (rating: Rating, text: string) => {
      if (rated) return;
      rated = true;
      try {
        const grade = await send({ prompt, rating });
        await answered(card, grade, rating);
        for (const b of $$<HTMLButtonElement>('.rate button', copy)) b.disabled = true;
        announce(feedbackBox, `Rated ${text}.${grade.nextReview ? ` Next review ${relativeTime(new Date(grade.nextReview), new Date())}.` : ''}${grade.notice ? ` ${grade.notice}` : ''}`);
        nextButton();
      } catch (error) {
        rated = false;
        announce(feedbackBox, `Could not save your rating: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const showRating = () => {
      if ($('.rate', copy)) return;
      details.open = true;
      reveal.remove();
      const group = ratingGroup(card.id, (rating, text) => void rate(rating, text), card.previews);
      copy.append(group, feedbackBox);
      keys = { rate: (i) => $$<HTMLButtonElement>('.rate button', group)[i]?.click() };
      $<HTMLButtonElement>('button', group)!.focus();
    };
    details.addEventListener('toggle', () => details.open && showRating());
    reveal.addEventListener('click', showRating);
    keys = { reveal: showRating };
    $('.prompts', copy)!.after(reveal);
    reveal.focus();
  };

  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if (event.altKey || event.ctrlKey || event.metaKey || target.matches('textarea, input[type="text"], input[type="search"]')) return;
    if ((event.key === ' ' || event.key === 'Enter') && keys.reveal) {
      event.preventDefault();
      keys.reveal();
    } else if (/^[1-4]$/.test(event.key) && keys.rate) {
      event.preventDefault();
      keys.rate(Number(event.key) - 1);
    } else if (event.key === 'Enter' && keys.next && !target.matches('a, summary, button')) {
      event.preventDefault();
      keys.next();
    }
  });

  busy = true;
  await load();
  busy = false;
  $('.reviews')?.setAttribute('data-state', 'ready');
  await show();
}
