/** Ordering exercises without the DOM: where each placed step belongs, and a review's new arrangement. */

export interface StepMark {
  step: string;
  /** Where the step belongs, counted from 1. */
  position: number;
  misplaced: boolean;
}

/** For each step in the order the learner placed it: its right position and whether it is out of place. */
export const stepMarks = (placed: readonly string[], correct: readonly string[]): StepMark[] =>
  placed.map((step, i) => {
    const position = correct.indexOf(step) + 1;
    return { step, position, misplaced: position !== i + 1 };
  });

/**
 * A fresh arrangement for a review (Fisher–Yates with `random`), never the order shown last time:
 * when the shuffle lands on it, it is rotated by one, which moves every step of a list of three or
 * more. `items` is the lesson page's order, which the server never makes the right one; with two
 * steps the only other order is the right one, so two steps keep the page's order.
 */
export function reshuffle<T>(items: readonly T[], lastShown: readonly T[], random: () => number = Math.random): T[] {
  if (items.length < 3) return [...items];
  const next = [...items];
  for (let i = next.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [next[i], next[j]] = [next[j]!, next[i]!];
  }
  const repeats = next.length > 1 && next.every((item, i) => item === lastShown[i]);
  return repeats ? [...next.slice(1), next[0]!] : next;
}
