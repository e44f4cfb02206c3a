/** Tiny DOM helpers: no framework, a few lines each. */
export const $ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document) => root.querySelector<T>(selector);
export const $$ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document) => Array.from(root.querySelectorAll<T>(selector));

/** Creates an element with text content only: server strings never become markup here. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Says something in a live region; clearing first makes a repeated message announce again. */
export function announce(region: Element | null, message: string): void {
  if (!region) return;
  region.textContent = '';
  requestAnimationFrame(() => (region.textContent = message));
}
