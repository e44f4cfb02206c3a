import { describe, expect, it } from 'vitest';
import { assetManifestFromEnv, assetUrl } from '../../lambdas/render';
import { buildSite } from '../../web/build';

describe('the site build', () => {
  it('names every asset by its content hash and links those names from the pages it renders', () => {
    // Act
    const { manifest, files, pages } = buildSite();

    // Assess
    expect(Object.keys(manifest).sort()).toEqual(['favicon.svg', 'main.js', 'styles.css']);
    for (const [name, file] of Object.entries(manifest)) {
      expect(file).not.toBe(name);
      expect(files.has(file)).toBe(true);
    }
    expect([...pages.keys()].sort()).toEqual(['account/index.html', 'auth/callback/index.html', 'authors/index.html', 'errors/404.html', 'errors/unavailable.html', 'reviews/index.html', 'stats/index.html']);
    for (const html of pages.values()) {
      expect(html).toContain(`<script type="module" src="${assetUrl(manifest, 'main.js')}"></script>`);
      expect(html).toContain(`href="${assetUrl(manifest, 'styles.css')}"`);
    }
  });

  it('builds the same names from the same sources, so a deployment without changes uploads nothing new', () => {
    expect(buildSite().manifest).toEqual(buildSite().manifest);
  });

  it('reads the manifest the stack passes to the ingest function and refuses a malformed one', () => {
    expect(assetManifestFromEnv({ SITE_ASSETS: '{"main.js":"main-abc.js"}' })).toEqual({ 'main.js': 'main-abc.js' });
    expect(assetManifestFromEnv({})).toEqual({});
    expect(() => assetManifestFromEnv({ SITE_ASSETS: '{"main.js":1}' })).toThrow();
  });
});
