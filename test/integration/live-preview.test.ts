import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../bin/local/platform';
import { repoRoot } from '../../lib/paths';

/** Polls until `check` holds (the watcher reacts to the file system asynchronously). */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('local live preview (npm start watches content/)', () => {
  let platform: Platform;
  let contentDir: string;
  const lines: string[] = [];
  const pkce = () => join(contentDir, 'security/oauth/authorization-code-pkce.md');
  const page = async (path: string) => {
    const response = await fetch(`${platform.url}${path}`);
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    contentDir = mkdtempSync(join(tmpdir(), 'rungs-content-'));
    cpSync(join(repoRoot, 'content'), contentDir, { recursive: true });
    platform = await startPlatform({ port: 0, watch: true, contentDir, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `preview-${randomUUID()}`, log: (l) => lines.push(l) });
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(contentDir, { recursive: true, force: true });
  });

  it('shows a saved edit on the next page load', async () => {
    // Act
    writeFileSync(pkce(), readFileSync(pkce(), 'utf8').replace('title: The authorization code flow with PKCE', 'title: PKCE, edited live'));

    // Assess
    await eventually(async () => (await page('/lessons/authorization-code-pkce/')).body.includes('<h1>PKCE, edited live</h1>'));
  });

  it('keeps the last good page and logs the problem when a save breaks the lesson', async () => {
    // Act
    writeFileSync(pkce(), readFileSync(pkce(), 'utf8').replace('level: junior', 'level: expert'));

    // Assess
    await eventually(() => lines.some((l) => /content error: security\/oauth\/authorization-code-pkce\.md:7:8 level:/.test(l)));
    expect((await page('/lessons/authorization-code-pkce/')).body).toContain('<h1>PKCE, edited live</h1>');
  });

  it('takes a deleted lesson off the site and the catalog', async () => {
    // Act
    unlinkSync(join(contentDir, 'security/oauth/refresh-token-rotation.md'));

    // Assess
    await eventually(async () => (await page('/lessons/refresh-token-rotation/')).status === 404);
    expect((await page('/')).body).not.toContain('/lessons/refresh-token-rotation/');
    const catalog = (await (await fetch(`${platform.url}/api/catalog`)).json()) as { tracks: { units: { lessons: { id: string }[] }[] }[] };
    expect(catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons.map((l) => l.id)))).not.toContain('refresh-token-rotation');
  });

  it('takes every lesson of a deleted folder down', async () => {
    // Act: Linux's recursive watcher reports only some paths of a removed tree
    rmSync(join(contentDir, 'apis/idempotency'), { recursive: true });

    // Assess
    for (const id of ['retries-backoff-jitter', 'idempotency-keys', 'exactly-once-vs-at-least-once']) {
      await eventually(async () => (await page(`/lessons/${id}/`)).status === 404);
    }
  });

  it('serves every page again after a restart on the same table', async () => {
    // Prepare: the table keeps its lessons (as with RUNGS_DATA) but the site starts empty
    const tableName = `restart-${randomUUID()}`;
    const first = await startPlatform({ port: 0, contentDir, dynamoEndpoint: inject('dynamoEndpoint'), tableName });
    await first.stop();

    // Act
    const second = await startPlatform({ port: 0, contentDir, dynamoEndpoint: inject('dynamoEndpoint'), tableName });

    // Assess
    try {
      expect(second.lastIngest.lessons).toEqual([]);
      expect((await fetch(`${second.url}/`)).status).toBe(200);
      // (the PKCE lesson was broken by an earlier save, so another lesson stands in)
      expect((await fetch(`${second.url}/lessons/jwt-structure/`)).status).toBe(200);
      expect((await fetch(`${second.url}/concepts/`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});
