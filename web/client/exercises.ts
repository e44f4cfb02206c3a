import { $, $$, announce, el } from './dom';

/**
 * Progressive enhancement of the exercise markup rendered at ingest (plain forms and details).
 * `send` grades an answer: the lesson page posts an attempt, the reviews page rates a card.
 */
export type Answer = { choices: string[] } | { order: string[] } | { rating: 'again' | 'hard' | 'good' | 'easy' };
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

const nextReviewText = (grade: Grade) => (grade.nextReview ? ` Next review: ${new Date(grade.nextReview).toLocaleDateString()}.` : '') + (grade.notice ? ` ${grade.notice}` : '');
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
      $<HTMLButtonElement>('.up', li)!.disabled = i === 0;
      $<HTMLButtonElement>('.down', li)!.disabled = i === items.length - 1;
    });
  };

  let dragged: HTMLElement | undefined;
  for (const li of $$('li', list)) {
    $('input', li)?.remove();
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
      if (!grade.correct && grade.correctOrder) {
        const texts = grade.correctOrder.map((id) => label($(`li[data-step="${CSS.escape(id)}"]`, list)!));
        message += ` The right order is: ${texts.map((t, i) => `${i + 1}. ${t}`).join(' ')}`;
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

function enhanceRecall(section: HTMLElement, send: Send, done: (grade: Grade) => void) {
  const itemId = section.dataset.item!;
  const group = el('div', { class: 'rate', role: 'group', 'aria-labelledby': `${itemId}--rate` });
  group.append(el('p', { id: `${itemId}--rate` }, 'How well did you recall it?'));
  for (const [rating, text] of ratings) {
    const button = el('button', { type: 'button', class: 'secondary', 'data-rating': rating }, text);
    button.addEventListener('click', async () => {
      try {
        const grade = await send(itemId, { rating });
        feedback(section, `Rated ${text}.${nextReviewText(grade)}`);
        done(grade);
      } catch (error) {
        feedback(section, failure(error));
      }
    });
    group.append(button);
  }
  section.append(group, el('div', { class: 'feedback', role: 'status', 'aria-live': 'polite' }));
}

/** Enhances every exercise under `root`; `done` hears each graded answer. */
export function enhanceExercises(root: ParentNode, send: Send, done: (itemId: string, grade: Grade) => void = () => {}): void {
  for (const exercise of $$('.exercise', root)) {
    // Checking needs this script; the markup keeps the button invisible until now.
    for (const button of $$('button.pending', exercise)) button.classList.remove('pending');
    const report = (grade: Grade) => done(exercise.dataset.item!, grade);
    if (exercise.dataset.kind === 'mcq') enhanceMcq(exercise as HTMLFormElement, send, report);
    else if (exercise.dataset.kind === 'ordering') enhanceOrdering(exercise as HTMLFormElement, send, report);
    else if (exercise.dataset.kind === 'recall') enhanceRecall(exercise, send, report);
  }
}
