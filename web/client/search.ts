/**
 * Catalog search in the browser: words match by stem and by prefix ("idempotent" finds
 * "Idempotency keys", "pag" finds "pages"), every word must match, and a match in the title ranks
 * above one in the concepts, which ranks above one in the summary.
 */

// Longest first, so "encies" is tried before "es" and "s".
const SUFFIXES = ['ations', 'ation', 'encies', 'ences', 'ency', 'ence', 'ents', 'ent', 'ances', 'ance', 'ings', 'ing', 'ities', 'ity', 'ions', 'ion', 'ers', 'er', 'ies', 'ied', 'ed', 'es', 'ly', 's'];

/** A crude English stem: drops one common suffix while at least four letters remain. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  for (const suffix of SUFFIXES) if (w.endsWith(suffix) && w.length - suffix.length >= 4) return w.slice(0, -suffix.length);
  return w;
}

export const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

export interface Searchable {
  title: string;
  concepts: string;
  summary: string;
}

const FIELD_WEIGHTS = [
  ['title', 4],
  ['concepts', 2],
  ['summary', 1],
] as const;

const matches = (query: string, token: string) => token.startsWith(query) || stem(token).startsWith(stem(query));

/** The score of a document for a query: 0 when some query word matches nowhere. */
export function score(query: string, doc: Searchable): number {
  const fields = FIELD_WEIGHTS.map(([field, weight]) => ({ tokens: words(doc[field]), weight }));
  let total = 0;
  for (const q of words(query)) {
    const best = Math.max(0, ...fields.map(({ tokens, weight }) => (tokens.some((t) => matches(q, t)) ? weight : 0)));
    if (best === 0) return 0;
    total += best;
  }
  return total;
}
