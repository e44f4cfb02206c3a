import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
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

  it('shows a figure saved next to a lesson, and its new version after the next save of the figure alone', async () => {
    // Prepare
    const figure = join(contentDir, 'security/oauth/preview-figure.svg');
    const svg = (fill: string) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="200" height="100" fill="${fill}"/></svg>`;
    const src = async () => /<img class="figure" src="(\/figures\/preview-figure-[A-Za-z0-9]{12}\.svg)" alt="A preview figure" width="200" height="100"/.exec((await page('/lessons/authorization-code-pkce/')).body)?.[1];
    writeFileSync(figure, svg('#abc'));

    // Act 1
    writeFileSync(pkce(), readFileSync(pkce(), 'utf8').replace(/\n## /, '\n![A preview figure](preview-figure.svg)\n\n## '));

    // Assess 1
    await eventually(async () => (await src()) !== undefined);
    const first = (await src())!;
    const served = await fetch(`${platform.url}${first}`);
    expect(served.headers.get('content-type')).toBe('image/svg+xml');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await served.text()).toBe(svg('#abc'));

    // Act 2: only the figure changes
    writeFileSync(figure, svg('#cba'));

    // Assess 2
    await eventually(async () => ((await src()) ?? first) !== first);
    expect(await (await fetch(`${platform.url}${(await src())!}`)).text()).toBe(svg('#cba'));
  });

  it('keeps the last good page and logs the problem when a save breaks the lesson', async () => {
    // Act
    writeFileSync(pkce(), readFileSync(pkce(), 'utf8').replace('level: junior', 'level: expert'));

    // Assess
    await eventually(() => lines.some((l) => /content error: security\/oauth\/authorization-code-pkce\.md:7:8 level is the text "expert"/.test(l)));
    expect((await page('/lessons/authorization-code-pkce/')).body).toContain('<h1>PKCE, edited live</h1>');
  });

  it('keeps seeing a file that an editor saves by rename, save after save', async () => {
    // Prepare: vim, JetBrains safe write and sed -i write a new file and rename it over the old one
    const file = join(contentDir, 'security/tokens/jwt-structure.md');
    const original = readFileSync(file, 'utf8');

    for (const n of [1, 2, 3]) {
      // Act
      writeFileSync(`${file}.tmp`, original.replace(/^title: .*$/m, `title: Saved by rename ${n}`));
      renameSync(`${file}.tmp`, file);

      // Assess
      await eventually(async () => (await page('/lessons/jwt-structure/')).body.includes(`<h1>Saved by rename ${n}</h1>`));
    }
  });

  it('shows the current error in a banner on the lesson page and the home page, and goes on updating other lessons', async () => {
    // Prepare: a YAML alias to nothing used to stop every live update until fixed
    const broken = join(contentDir, 'security/tokens/jwt-signing-keys.md');
    const other = join(contentDir, 'security/tokens/jwt-structure.md');
    writeFileSync(broken, readFileSync(broken, 'utf8').replace(/^concepts: .*$/m, 'concepts: *x'));

    // Act
    writeFileSync(other, readFileSync(other, 'utf8').replace(/^title: .*$/m, 'title: Still live'));

    // Assess
    await eventually(async () => (await page('/lessons/jwt-structure/')).body.includes('<h1>Still live</h1>'));
    await eventually(async () => (await page('/lessons/jwt-signing-keys/')).body.includes('<pre>security/tokens/jwt-signing-keys.md:'));
    const lessonPage = (await page('/lessons/jwt-signing-keys/')).body;
    expect(lessonPage).toMatch(/<div class="dev-banner" role="alert"[^>]*>.*security\/tokens\/jwt-signing-keys\.md:\d+:\d+ YAML alias &#34;\*x&#34; refers to no anchor/s);
    expect((await page('/')).body).toContain('security/tokens/jwt-signing-keys.md');
    expect((await fetch(`${platform.url}/__dev/banner.css`)).status).toBe(200);
  });

  it('after a lesson too large to store, publishes the next edit of it', async () => {
    // Prepare: under the file limit, but its highlighted code would not fit in one DynamoDB item
    const file = join(contentDir, 'security/tokens/jwt-structure.md');
    const good = readFileSync(file, 'utf8');
    const code = `\n\`\`\`ts\n${'const a = 1; let b = 2; '.repeat(3_500)}\n\`\`\`\n`;
    writeFileSync(file, good.replace(/\n## /, `${code}\n## `));
    await eventually(() => platform.failures.some((f) => f.key === 'security/tokens/jwt-structure.md' && /renders to \d+ KiB of HTML/.test(f.message)));

    // Act
    writeFileSync(file, good.replace(/^title: .*$/m, 'title: Small again'));

    // Assess
    await eventually(async () => (await page('/lessons/jwt-structure/')).body.includes('<h1>Small again</h1>'));
    await eventually(() => !platform.failures.some((f) => f.key === 'security/tokens/jwt-structure.md'));
  });

  it('takes a deleted lesson off the site and the catalog', async () => {
    // Act
    unlinkSync(join(contentDir, 'security/oauth/refresh-token-rotation.md'));

    // Assess
    await eventually(async () => (await page('/lessons/refresh-token-rotation/')).status === 404);
    await eventually(async () => !(await page('/')).body.includes('/lessons/refresh-token-rotation/'));
    const listed = async () => {
      const catalog = (await (await fetch(`${platform.url}/api/catalog`)).json()) as { tracks: { units: { lessons: { id: string }[] }[] }[] };
      return catalog.tracks.flatMap((t) => t.units.flatMap((u) => u.lessons.map((l) => l.id)));
    };
    await eventually(async () => !(await listed()).includes('refresh-token-rotation'));
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

  it('starts with a bad file, reports it and publishes the rest', async () => {
    // Prepare: the alias-broken lesson from above is still in the folder (last: a platform on
    // another table repoints the shared handlers' TABLE_NAME)
    const tableName = `bad-start-${randomUUID()}`;

    // Act
    const started = await startPlatform({ port: 0, contentDir, dynamoEndpoint: inject('dynamoEndpoint'), tableName });

    // Assess
    try {
      expect(started.failures.map((f) => f.key)).toContain('security/tokens/jwt-signing-keys.md');
      expect((await fetch(`${started.url}/lessons/jwt-structure/`)).status).toBe(200);
      expect(await (await fetch(`${started.url}/`)).text()).toContain('class="dev-banner"');
    } finally {
      await started.stop();
    }
  });
});
