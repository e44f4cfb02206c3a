import { describe, expect, it } from 'vitest';
import { contentFolderFigures, readContentTree } from '../../bin/local/content';
import { repoRoot } from '../../lib/paths';
import { MemorySite } from '../../bin/local/site';
import { ingest } from '../../lambdas/events/ingest';
import { readCatalog } from '../../lambdas/store/catalog';
import { freshStore } from '../support/store';

describe('the content/ folder', () => {
  it('ingests with no errors and every lesson gets a page', async () => {
    // Prepare
    const store = await freshStore();
    const site = new MemorySite();
    const objects = await readContentTree(`${repoRoot}/content`);

    // Act
    const result = await ingest(objects, { store, site, source: contentFolderFigures(`${repoRoot}/content`) });

    // Assess
    expect(result.failures).toEqual([]);
    const lessons = (await readCatalog(store)).tracks.flatMap((t) => t.units.flatMap((u) => u.lessons));
    expect(lessons.length).toBe(objects.filter((o) => o.key.endsWith('.md')).length);
    for (const lesson of lessons) expect(site.objects.has(`lessons/${lesson.id}/index.html`)).toBe(true);
  }, 120_000); // the whole content/ tree: about 9 s on an idle machine, far more on a busy one
});
