import { parse as parseYaml } from 'yaml';
import { answerKeys } from '../domain/answer-key';
import { groupMetaSchema } from '../domain/catalog';
import { LessonFormatError, parseLesson, type Lesson } from '../domain/lesson';
import { lessonSummary, renderHomePage, renderLessonPage } from '../domain/render';
import { putLessonSummary, putTrack, putUnit, readCatalog } from '../store/catalog';
import { putAnswerKeys } from '../store/answer-keys';
import type { Store } from '../store/client';

/**
 * Content ingest, shared by the S3-triggered Lambda and the local platform: parse what changed,
 * store its metadata, then render the pages it affects. One bad file never stops the others.
 */

export interface SourceObject {
  /** Path relative to the content root, e.g. `security/oauth/authorization-code-pkce.md`. */
  key: string;
  body: string;
}

/** Where rendered pages go: the site bucket in AWS, memory or a folder locally. */
export interface SitePublisher {
  put(path: string, body: string, contentType: string): Promise<void>;
}

export interface IngestFailure {
  key: string;
  message: string;
}

export interface IngestResult {
  lessons: string[];
  tracks: string[];
  units: string[];
  pages: string[];
  failures: IngestFailure[];
  skipped: string[];
}

type Parsed =
  | { kind: 'track'; id: string; meta: ReturnType<typeof groupMetaSchema.parse> }
  | { kind: 'unit'; id: string; track: string; meta: ReturnType<typeof groupMetaSchema.parse> }
  | { kind: 'lesson'; lesson: Lesson };

function groupMeta(key: string, body: string) {
  const result = groupMetaSchema.safeParse(parseYaml(body));
  if (!result.success) {
    throw new Error(result.error.issues.map((i) => `${key}: ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n'));
  }
  return result.data;
}

/** Decides what a content object is from its path; undefined for files the platform ignores. */
function parseObject({ key, body }: SourceObject): Parsed | undefined {
  const parts = key.split('/');
  if (parts.length === 2 && parts[1] === 'track.yaml') return { kind: 'track', id: parts[0]!, meta: groupMeta(key, body) };
  if (parts.length === 3 && parts[2] === 'unit.yaml') return { kind: 'unit', id: parts[1]!, track: parts[0]!, meta: groupMeta(key, body) };
  if (!key.endsWith('.md')) return undefined;
  const lesson = parseLesson(key, body);
  if (parts.length === 3 && (lesson.meta.track !== parts[0] || lesson.meta.unit !== parts[1])) {
    throw new Error(`${key}:1:1 front matter says track "${lesson.meta.track}" and unit "${lesson.meta.unit}" but the file sits in ${parts[0]}/${parts[1]}/`);
  }
  return { kind: 'lesson', lesson };
}

export const lessonPagePath = (lessonId: string) => `lessons/${lessonId}/index.html`;
const htmlType = 'text/html; charset=utf-8';

export async function ingest(objects: SourceObject[], deps: { store: Store; site: SitePublisher }): Promise<IngestResult> {
  const result: IngestResult = { lessons: [], tracks: [], units: [], pages: [], failures: [], skipped: [] };
  const lessons: Lesson[] = [];

  for (const object of objects) {
    let parsed: Parsed | undefined;
    try {
      parsed = parseObject(object);
    } catch (error) {
      const message = error instanceof LessonFormatError || error instanceof Error ? error.message : String(error);
      result.failures.push({ key: object.key, message });
      continue;
    }
    if (!parsed) {
      result.skipped.push(object.key);
    } else if (parsed.kind === 'track') {
      await putTrack(deps.store, { id: parsed.id, ...parsed.meta });
      result.tracks.push(parsed.id);
    } else if (parsed.kind === 'unit') {
      await putUnit(deps.store, { id: parsed.id, track: parsed.track, ...parsed.meta });
      result.units.push(`${parsed.track}/${parsed.id}`);
    } else {
      await putAnswerKeys(deps.store, parsed.lesson.meta.id, answerKeys(parsed.lesson));
      await putLessonSummary(deps.store, lessonSummary(parsed.lesson));
      lessons.push(parsed.lesson);
      result.lessons.push(parsed.lesson.meta.id);
    }
  }

  if (result.lessons.length + result.tracks.length + result.units.length === 0) return result;

  // Pages are rendered once, after every change of the batch is stored, against the whole catalog.
  const catalog = await readCatalog(deps.store);
  for (const lesson of lessons) {
    const path = lessonPagePath(lesson.meta.id);
    await deps.site.put(path, renderLessonPage(lesson, catalog), htmlType);
    result.pages.push(path);
  }
  await deps.site.put('index.html', renderHomePage(catalog), htmlType);
  result.pages.push('index.html');
  return result;
}
