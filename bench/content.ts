import { createLocalTable, startDynamoDbLocal } from '../bin/local/dynamodb';
import { MemorySite } from '../bin/local/site';
import { ingest, type SourceObject } from '../lambdas/events/ingest';
import { createStore } from '../lambdas/store/client';
import { countTableWrites } from '../test/support/write-counter';
import { syntheticCatalog } from '../test/fixtures/synthetic-catalog';

export interface ContentIngestNumbers {
  lessons: number;
  fullIngestSeconds: number;
  fullIngestWrites: number;
  /** One lesson's prose edited: its page only. */
  changedLessonMs: number;
  changedLessonWrites: number;
  /** One lesson renamed: its page and its neighbours' pages. */
  renamedLessonMs: number;
  renamedLessonPages: number;
  unchangedMs: number;
  unchangedWrites: number;
}

/**
 * Ingest of the synthetic ~200-lesson catalog into a DynamoDB Local started for the purpose:
 * the full catalog into an empty table, one changed lesson, and the whole catalog again unchanged.
 */
export async function measureContentIngest(): Promise<ContentIngestNumbers> {
  const dynamo = await startDynamoDbLocal();
  try {
    await createLocalTable(dynamo.endpoint, 'bench-content');
    const store = createStore({ tableName: 'bench-content', endpoint: dynamo.endpoint });
    const counter = countTableWrites(store);
    const site = new MemorySite();
    const objects = syntheticCatalog();
    const lessons = objects.filter((o) => o.key.endsWith('.md'));

    const timed = async (batch: SourceObject[]) => {
      counter.reset();
      const started = performance.now();
      const result = await ingest(batch, { store, site });
      if (result.failures.length > 0) throw new Error(`bench catalog did not ingest: ${result.failures[0]?.message}`);
      return { ms: performance.now() - started, writes: counter.writes, result };
    };

    const full = await timed(objects);
    const target = lessons[Math.floor(lessons.length / 2)]!;
    const changed = await timed([{ key: target.key, body: target.body.replace('A paragraph of prose', 'An edited paragraph of prose') }]);
    const renamed = await timed([{ key: target.key, body: target.body.replace(/^title: .*$/m, 'title: A renamed lesson') }]);
    // Put the catalog back as generated, then measure the unchanged re-ingest of all of it.
    await timed([target]);
    const unchanged = await timed(objects);

    return {
      lessons: lessons.length,
      fullIngestSeconds: full.ms / 1000,
      fullIngestWrites: full.writes,
      changedLessonMs: changed.ms,
      changedLessonWrites: changed.writes,
      renamedLessonMs: renamed.ms,
      renamedLessonPages: renamed.result.pages.filter((p) => p.startsWith('lessons/')).length,
      unchangedMs: unchanged.ms,
      unchangedWrites: unchanged.writes,
    };
  } finally {
    await dynamo.stop();
  }
}
