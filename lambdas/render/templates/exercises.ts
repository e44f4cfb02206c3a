import { html, raw } from './html';

/**
 * Exercise markup that works as plain HTML (forms, details/summary) and that client scripts
 * enhance later. Nothing here carries an answer key or an explanation: grading is server-side.
 */

type Inline = (markdown: string) => string;

export function mcqMarkup(
  lessonId: string,
  mcq: { id: string; prompt: string; multiple: boolean; choices: { id: string; text: string }[] },
  inline: Inline,
) {
  const type = mcq.multiple ? 'checkbox' : 'radio';
  return html`<form class="exercise mcq" data-kind="mcq" data-item="${mcq.id}" method="post" action="/api/lessons/${lessonId}/attempts">
<fieldset>
<legend>${raw(inline(mcq.prompt))}${mcq.multiple ? html` <span class="hint">(choose all that apply)</span>` : ''}</legend>
<input type="hidden" name="itemId" value="${mcq.id}">
${mcq.choices.map(
  (choice) => html`<div class="choice"><input type="${type}" id="${mcq.id}--${choice.id}" name="choice" value="${choice.id}"><label for="${mcq.id}--${choice.id}">${raw(inline(choice.text))}</label></div>`,
)}
</fieldset>
<button type="submit">Check answer</button>
<div class="feedback" role="status" aria-live="polite"></div>
</form>`;
}

export function orderingMarkup(
  lessonId: string,
  ordering: { id: string; prompt: string; steps: { id: string; text: string }[] },
  inline: Inline,
) {
  return html`<form class="exercise ordering" data-kind="ordering" data-item="${ordering.id}" method="post" action="/api/lessons/${lessonId}/attempts">
<fieldset>
<legend>${raw(inline(ordering.prompt))}</legend>
<input type="hidden" name="itemId" value="${ordering.id}">
<ol class="steps">
${ordering.steps.map(
  (step, i) => html`<li data-step="${step.id}"><label for="${ordering.id}--${step.id}">${raw(inline(step.text))}</label> <input type="number" min="1" max="${ordering.steps.length}" id="${ordering.id}--${step.id}" name="position-${step.id}" value="${i + 1}" inputmode="numeric"></li>`,
)}
</ol>
</fieldset>
<button type="submit">Check order</button>
<div class="feedback" role="status" aria-live="polite"></div>
</form>`;
}

export function recallMarkup(recall: { id: string; prompts: { id: string; prompt: string; answer: string }[] }, inline: Inline) {
  return html`<section class="exercise recall" data-kind="recall" data-item="${recall.id}" aria-label="Recall">
<h2 class="exercise-title">Recall</h2>
<ol class="prompts">
${recall.prompts.map(
  (prompt) => html`<li data-prompt="${prompt.id}">
<p>${raw(inline(prompt.prompt))}</p>
<label class="visually-hidden" for="${recall.id}--${prompt.id}">Your answer</label>
<textarea id="${recall.id}--${prompt.id}" rows="2" placeholder="Your answer (optional)"></textarea>
<details><summary>Show the model answer</summary><p>${raw(inline(prompt.answer))}</p></details>
</li>`,
)}
</ol>
</section>`;
}

export function calloutMarkup(variant: string, content: string) {
  const label = variant === 'metaphor' ? 'Metaphor' : 'Note';
  return html`<aside class="callout callout-${variant}" aria-label="${label}"><p class="callout-label">${label}</p>${raw(content)}</aside>`;
}

export function summaryMarkup(content: string) {
  return html`<section class="lesson-summary" aria-labelledby="lesson-summary"><h2 id="lesson-summary">Summary</h2>${raw(content)}</section>`;
}
