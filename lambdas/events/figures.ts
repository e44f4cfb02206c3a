import { checkFigureRefs, FIGURE_LIMITS, figureKey, figureType, figureUrl, hashedFigureName, type FigureImage } from '../domain/figures';
import type { Problem } from '../domain/validate';
import { checkFigureBytes, figureRefs, figureSize, type FigureResolver } from '../render';
import type { ContentSource, SitePublisher } from './ingest';

/**
 * Figures at ingest: a lesson's `![alt](file)` references are read from the content bucket next to
 * the lesson whenever the lesson is judged (so it does not matter whether a figure arrived before,
 * with or after its lesson: the lesson is judged against what the bucket holds), checked as
 * `check` checks them, and published to the site under content-hashed names before the lesson
 * that shows them is committed. The names are part of the lesson's version hash, so a changed
 * figure is a new version of every lesson that shows it.
 */

export interface FigureFile {
  /** Content key, next to the lesson. */
  key: string;
  /** As the lesson writes it. */
  src: string;
  /** Site object key, `figures/<name>-<hash>.<ext>`. */
  name: string;
  contentType: string;
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** What a figure read returns: its size, and its bytes unless it is over the limit. */
export type FigureRead = { size: number; bytes?: Uint8Array } | undefined;

/** One batch's figure reads, shared by its lessons (two lessons of a unit may show the same figure). */
export type FigureCache = Map<string, Promise<FigureRead>>;

export interface LessonFigures {
  figures: FigureFile[];
  /** Published names in reference order: part of the lesson's version hash. */
  names: string[];
  problems: Problem[];
}

const limitOf = (key: string) => (figureType(key) === 'image/svg+xml' ? FIGURE_LIMITS.svgBytes : FIGURE_LIMITS.rasterBytes);

/** Reads, checks and names the figures a lesson references. A lesson without figures reads nothing. */
export async function loadLessonFigures(lessonKey: string, body: string, source: ContentSource | undefined, cache: FigureCache): Promise<LessonFigures> {
  const refs = figureRefs(lessonKey, body);
  if (refs.length === 0) return { figures: [], names: [], problems: [] };
  const read = (key: string) => {
    let pending = cache.get(key);
    if (!pending) {
      pending = source?.readFigure ? source.readFigure(key, limitOf(key)) : Promise.resolve(undefined);
      cache.set(key, pending);
    }
    return pending;
  };
  // Bounded: a lesson over the figure limit is rejected (checkFigureRefs) and never causes more reads.
  const wanted = [...new Set(refs.flatMap((ref) => (figureType(ref.src) ? [figureKey(lessonKey, ref.src)] : [])).filter((key) => key !== undefined))].slice(0, FIGURE_LIMITS.perLesson);
  const found = new Map(await Promise.all(wanted.map(async (key) => [key, await read(key)] as const)));

  // References, types, folder, existence and size: the same rules and words as `check`.
  const problems: Problem[] = checkFigureRefs(lessonKey, refs, (key) => found.get(key)?.size).map((p) => ({ file: lessonKey, ...p }));
  const figures: FigureFile[] = [];
  const names: string[] = [];
  for (const ref of refs) {
    const key = figureKey(lessonKey, ref.src);
    const bytes = key ? found.get(key)?.bytes : undefined;
    const contentType = figureType(ref.src);
    if (!key || !bytes || !contentType) continue;
    // What the file holds is reported at the reference, naming the place inside the figure.
    const inFile = checkFigureBytes(key, bytes);
    for (const p of inFile) problems.push({ file: lessonKey, line: ref.line, column: ref.column, message: `figure "${ref.src}": ${p.message} (${key}:${p.line}:${p.column})` });
    const size = figureSize(key, bytes);
    if (inFile.length > 0 || !size) continue;
    const name = hashedFigureName(key, bytes);
    names.push(name);
    figures.push({ key, src: ref.src, name, contentType, bytes, ...size });
  }
  return { figures, names, problems };
}

/** The renderer's view of a lesson's figures: the published image each reference names. */
export function figureResolver(figures: readonly FigureFile[]): FigureResolver {
  const bySrc = new Map<string, FigureImage>(figures.map((f) => [f.src, { url: figureUrl(f.name), width: f.width, height: f.height }]));
  return (src) => bySrc.get(src);
}

/**
 * Publishes the figures of the lessons about to be committed, each name once. Before the commit, so
 * no page ever names a figure the site does not have; a figure of a lesson rejected later stays, unlinked
 * (its name is its content, so it can never be wrong).
 */
export async function publishFigures(lessons: readonly { figures: readonly FigureFile[] }[], site: SitePublisher): Promise<string[]> {
  const unique = new Map(lessons.flatMap((l) => l.figures.map((f) => [f.name, f] as const)));
  for (const figure of unique.values()) await site.putImmutable(figure.name, figure.bytes, figure.contentType);
  return [...unique.keys()];
}

/** The folder of a content key (`track/unit/`), where the lessons that may show a figure live. */
export const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);
