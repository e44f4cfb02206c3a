import { $, $$, announce, el } from './dom';
import { stepMarks } from './ordering';
import { exactTime, intervalLabel, relativeTime } from './times';

/**
 * Progressive enhancement of the exercise markup rendered at ingest (plain forms and details).
 * `send` grades an answer: the lesson page posts an attempt, the reviews page rates a card.
 */
export type Rating = 'again' | 'hard' | 'good' | 'easy';
export type Answer = { choices: string[] } | { order: string[] } | { prompt: string; rating: Rating };
export interface Grade {
  correct?: boolean;
  correctChoices?: string[];
  explanations?: Record<string, string>;
  correctOrder?: string[];
  nextReview?: string;
  /** Said after the grade, e.g. that the answer is kept until the learner signs in again. */
  notice?: string;
  /** Anonymous grading only: the server's proof of this answer, for the merge on sign-in. */
  receipt?: string;
  /** A lesson answer after the first of a visit: graded, the review card untouched. */
  practice?: boolean;
  /** A review answer: false when the card was not due (already answered for this due time). */
  scheduled?: boolean;
}
export type Send = (itemId: string, answer: Answer) => Promise<Grade>;

/** The feedback region is a live region; it also takes focus so keyboard users land on the result. */
function feedback(exercise: HTMLElement, message: string) {
  const region = $('.feedback', exercise);
  if (!region) return;
  region.setAttribute('tabindex', '-1');
  announce(region, message);
  region.focus();
}

const scheduleText = (grade: Grade) => {
  if (!grade.nextReview) return '';
  const when = new Date(grade.nextReview);
  const practice = grade.practice || grade.scheduled === false;
  return practice ? ` Practice: your first answer already scheduled this card, next review ${relativeTime(when, new Date())}.` : ` Next review ${relativeTime(when, new Date())} (${exactTime(when)}).`;
};
const nextReviewText = (grade: Grade) => scheduleText(grade) + (grade.notice ? ` ${grade.notice}` : '');
const failure = (error: unknown) => `Could not check your answer: ${error instanceof Error ? error.message : String(error)}`;

function enhanceMcq(form: HTMLFormElement, send: Send, done: (grade: Grade) => void) {
  const itemId = form.dataset.item!;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const choices = $$<HTMLInputElement>('input[name="choice"]:checked', form).map((input) => input.value);
    if (choices.length === 0) return feedback(form, 'Choose an answer first.');
    try {
      const grade = await send(itemId, { choices });
      for (const choice of $$('.choice', form)) {
        const input = $<HTMLInputElement>('input', choice)!;
        $('.explanation', choice)?.remove();
        const right = grade.correctChoices?.includes(input.value) ?? false;
        choice.classList.toggle('is-correct', right);
        const note = el('p', { class: 'explanation' });
        note.append(el('strong', {}, right ? 'Correct answer. ' : 'Not this one. '), grade.explanations?.[input.value] ?? '');
        $('label', choice)!.after(note);
      }
      feedback(form, `${grade.correct ? 'Correct!' : 'Not quite.'} Each option now shows why.${nextReviewText(grade)}`);
      done(grade);
    } catch (error) {
      feedback(form, failure(error));
    }
  });
}

function enhanceOrdering(form: HTMLFormElement, send: Send, done: (grade: Grade) => void) {
  const itemId = form.dataset.item!;
  const list = $('.steps', form)!;
  const live = el('p', { class: 'visually-hidden', 'aria-live': 'assertive' });
  list.after(live);
  const help = el('p', { class: 'hint', id: `${itemId}--help` }, 'Reorder with the Up and Down buttons, or drag a step.');
  list.before(help);
  const label = (li: HTMLElement) => $('label', li)?.textContent?.trim() ?? '';

  const move = (li: HTMLElement, by: -1 | 1, focusClass: string) => {
    const items = $$('li', list);
    const to = items.indexOf(li) + by;
    if (to < 0 || to >= items.length) return;
    if (by < 0) list.insertBefore(li, items[to]!);
    else list.insertBefore(li, items[to]!.nextSibling);
    announce(live, `${label(li)}: moved to position ${to + 1} of ${items.length}.`);
    // Keep focus on the button pressed unless it is now disabled at an end of the list.
    refresh();
    const target = $<HTMLButtonElement>(`.${focusClass}`, li)!;
    (target.disabled ? $<HTMLButtonElement>(focusClass === 'up' ? '.down' : '.up', li)! : target).focus();
  };

  const refresh = () => {
    const items = $$('li', list);
    items.forEach((li, i) => {
      $('.position', li)!.textContent = `${i + 1}.`;
      $<HTMLButtonElement>('.up', li)!.disabled = i === 0;
      $<HTMLButtonElement>('.down', li)!.disabled = i === items.length - 1;
    });
  };

  let dragged: HTMLElement | undefined;
  list.classList.add('numbered');
  for (const li of $$('li', list)) {
    $('input', li)?.remove();
    li.prepend(el('span', { class: 'position', 'aria-hidden': 'true' }));
    li.draggable = true;
    const name = label(li);
    const up = el('button', { type: 'button', class: 'up secondary', 'aria-label': `Move up: ${name}` }, '↑');
    const down = el('button', { type: 'button', class: 'down secondary', 'aria-label': `Move down: ${name}` }, '↓');
    up.addEventListener('click', () => move(li, -1, 'up'));
    down.addEventListener('click', () => move(li, 1, 'down'));
    const controls = el('span', { class: 'step-controls' });
    controls.append(up, down);
    li.append(controls);
    li.addEventListener('dragstart', (event: DragEvent) => {
      dragged = li;
      event.dataTransfer?.setData('text/plain', li.dataset.step ?? '');
      li.classList.add('dragging');
    });
    li.addEventListener('dragend', () => li.classList.remove('dragging'));
    li.addEventListener('dragover', (event: DragEvent) => event.preventDefault());
    li.addEventListener('drop', (event: DragEvent) => {
      event.preventDefault();
      if (!dragged || dragged === li) return;
      const items = $$('li', list);
      list.insertBefore(dragged, items.indexOf(dragged) < items.indexOf(li) ? li.nextSibling : li);
      announce(live, `${label(dragged)}: moved to position ${$$('li', list).indexOf(dragged) + 1} of ${items.length}.`);
      refresh();
    });
  }
  refresh();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const order = $$('li', list).map((li) => li.dataset.step!);
    try {
      const grade = await send(itemId, { order });
      let message = grade.correct ? 'Correct: that is the order.' : 'Not quite.';
      $$('.step-note', list).forEach((n) => n.remove());
      if (grade.correctOrder) {
        const marks = stepMarks(order, grade.correctOrder);
        $$('li', list).forEach((li, i) => {
          const { position, misplaced } = marks[i]!;
          li.classList.toggle('is-misplaced', misplaced);
          li.classList.toggle('is-placed', !misplaced);
          li.append(el('span', { class: 'step-note' }, misplaced ? `✗ belongs at position ${position}` : '✓ right place'));
        });
        if (!grade.correct) message += ` ${marks.filter((m) => m.misplaced).length} of ${order.length} steps are out of place; each is marked with its right position.`;
      }
      feedback(form, message + nextReviewText(grade));
      done(grade);
    } catch (error) {
      feedback(form, failure(error));
    }
  });
}

const ratings = [
  ['again', 'Again'],
  ['hard', 'Hard'],
  ['good', 'Good'],
  ['easy', 'Easy'],
] as const;

/**
 * Each recall prompt is its own card, rated on its own, and only once its model answer is shown:
 * the rating buttons of a prompt appear when its answer is revealed.
 */
function enhanceRecall(section: HTMLElement, send: Send, done: (grade: Grade, card: string) => void) {
  const itemId = section.dataset.item!;
  for (const li of $$('li[data-prompt]', section)) {
    const prompt = li.dataset.prompt!;
    const details = $<HTMLDetailsElement>('details', li)!;
    const group = ratingGroup(`${itemId}--${prompt}`, async (rating, text) => {
      try {
        const grade = await send(itemId, { prompt, rating });
        feedback(li, `Rated ${text}.${nextReviewText(grade)}`);
        done(grade, `${itemId}--${prompt}`);
      } catch (error) {
        feedback(li, failure(error));
      }
    });
    group.hidden = !details.open;
    details.addEventListener('toggle', () => {
      if (details.open) group.hidden = false;
    });
    li.append(group, el('div', { class: 'feedback', role: 'status', 'aria-live': 'polite' }));
  }
}

/** Again / Hard / Good / Easy, with the interval each gives when `previews` (due times) are known. */
export function ratingGroup(id: string, rate: (rating: Rating, text: string) => void, previews?: Record<Rating, string>, now = new Date()): HTMLElement {
  const group = el('div', { class: 'rate', role: 'group', 'aria-labelledby': `${id}--rate` });
  group.append(el('p', { id: `${id}--rate` }, 'How well did you recall it?'));
  ratings.forEach(([rating, text], i) => {
    const button = el('button', { type: 'button', class: 'secondary', 'data-rating': rating });
    button.append(el('kbd', {}, String(i + 1)), ` ${text}`);
    if (previews) {
      const due = new Date(previews[rating]);
      button.append(el('span', { class: 'interval', title: exactTime(due) }, intervalLabel(due.getTime() - now.getTime())));
    }
    button.addEventListener('click', () => rate(rating, text));
    group.append(button);
  });
  return group;
}

/** Enhances every exercise under `root`; `done` hears each graded answer with the card it moved. */
export function enhanceExercises(root: ParentNode, send: Send, done: (itemId: string, grade: Grade) => void = () => {}): void {
  for (const exercise of $$('.exercise', root)) {
    // Checking needs this script; the markup keeps the button invisible until now.
    for (const button of $$('button.pending', exercise)) button.classList.remove('pending');
    // Reports the card answered: the item, or `<item>--<prompt>` for a recall prompt.
    const report = (grade: Grade, card = exercise.dataset.item!) => done(card, grade);
    if (exercise.dataset.kind === 'mcq') enhanceMcq(exercise as HTMLFormElement, send, report);
    else if (exercise.dataset.kind === 'ordering') enhanceOrdering(exercise as HTMLFormElement, send, report);
    else if (exercise.dataset.kind === 'recall') enhanceRecall(exercise, send, report);
  }
}
