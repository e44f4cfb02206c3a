/** The three levels a lesson is tagged with, from first steps to design trade-offs. */
export const levels = ['junior', 'middle', 'senior'] as const;
export type Level = (typeof levels)[number];
