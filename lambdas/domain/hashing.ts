import { createHash } from 'node:crypto';

/**
 * Bumped when rendering changes in a way that must reach every page: it is part of each lesson's
 * content hash, so the next ingest re-renders lessons whose source did not change.
 */
export const RENDER_VERSION = 2;

/** A short, stable digest of some text (or of a value's JSON). */
export function digest(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** The content hash of a lesson source: unchanged hash ⇒ nothing to write. */
export const lessonHash = (key: string, body: string) => digest(`${RENDER_VERSION}\n${key}\n${body}`);

/**
 * The content hash of a lesson version: its source and, when it shows figures, their published
 * names (which carry each figure's own hash), so a changed figure is a new version of the lesson.
 */
export const lessonVersionHash = (key: string, body: string, figureNames: readonly string[] = []) =>
  figureNames.length === 0 ? lessonHash(key, body) : digest(`${lessonHash(key, body)}\n${figureNames.join('\n')}`);
