import { describe, expect, it } from 'vitest';
import { MemorySite } from '../../bin/local/site';
import { ingest, type SourceObject } from '../../lambdas/events/ingest';
import { readCatalog } from '../../lambdas/store/catalog';
import { groupYaml, lessonSource } from '../fixtures/synthetic-catalog';
import { freshStore } from '../support/store';

/**
 * What only ingest can see: a lesson uploaded on its own, checked against lessons already
 * published. A prerequisite cycle or a taken `order` is rejected with the wording `check` uses,
 * and the published lesson keeps its place (DynamoDB Local, no mocks).
 */
const meta: SourceObject[] = [
  { key: 'apis/track.yaml', body: groupYaml('APIs', 1) },
  { key: 'apis/retries/unit.yaml', body: groupYaml('Retries', 1) },
];
const lesson = (id: string, order: number, prerequisites: string[] = []): SourceObject => ({
  key: `apis/retries/${id}.md`,
  body: lessonSource({ id, track: 'apis', unit: 'retries', order, prerequisites }),
});

async function published(...lessons: SourceObject[]) {
  const store = await freshStore();
  const site = new MemorySite();
  const first = await ingest([...meta, ...lessons], { store, site });
  expect(first.failures).toEqual([]);
  return { store, site };
}

describe('ingest against the published catalog', () => {
  it('rejects an edit that closes a prerequisite cycle through published lessons, naming the whole circle', async () => {
    // Prepare: c needs b, b needs a, all published.
    const { store, site } = await published(lesson('a', 1), lesson('b', 2, ['a']), lesson('c', 3, ['b']));

    // Act: a now needs c, uploaded alone.
    const result = await ingest([lesson('a', 1, ['c'])], { store, site });

    // Assess
    expect(result.lessons).toEqual([]);
    expect(result.failures.map((f) => f.problems.map((p) => p.message))).toEqual([[expect.stringContaining('prerequisites go round in a circle (a → c → b → a)')]]);
    expect(result.failures[0]!.problems[0]!.line).toBe(lesson('a', 1, ['c']).body.split('\n').findIndex((l) => l.startsWith('prerequisites:')) + 1);
  });

  it('accepts the same edit when the chain does not lead back', async () => {
    // Prepare
    const { store, site } = await published(lesson('a', 1), lesson('b', 2, ['a']), lesson('c', 3));

    // Act
    const result = await ingest([lesson('a', 1, ['c'])], { store, site });

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.lessons).toEqual(['a']);
  });

  it('rejects a new lesson that takes the order of a published one; the published lesson keeps its place', async () => {
    // Prepare
    const { store, site } = await published(lesson('a', 1), lesson('b', 2));

    // Act
    const result = await ingest([lesson('newcomer', 2)], { store, site });

    // Assess
    expect(result.failures.map((f) => [f.key, f.problems.map((p) => p.message)])).toEqual([
      ['apis/retries/newcomer.md', ['order 2 is already taken in unit apis/retries by apis/retries/b.md: give each lesson of a unit its own order']],
    ]);
    const catalog = await readCatalog(store);
    expect(catalog.tracks[0]!.units[0]!.lessons.map((l) => l.id)).toEqual(['a', 'b']);
  });

  it('lets two lessons swap places in one batch, and blames the newer path when two of a batch share one', async () => {
    // Prepare
    const { store, site } = await published(lesson('a', 1), lesson('b', 2));

    // Act
    const swapped = await ingest([lesson('a', 2), lesson('b', 1)], { store, site });
    const clash = await ingest([lesson('x', 5), lesson('y', 5)], { store, site });

    // Assess
    expect(swapped.failures).toEqual([]);
    expect(clash.failures.map((f) => f.key)).toEqual(['apis/retries/y.md']);
    expect(clash.lessons).toEqual(['x']);
  });
});
