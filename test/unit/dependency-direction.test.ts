import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/paths';

/** Every relative import of every TypeScript file under `folder`, resolved to a repository path. */
function importsUnder(folder: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const source = readFileSync(path, 'utf8');
        // Static imports and re-exports, side-effect imports and dynamic imports.
        const specifiers = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|\bimport\s*\(?\s*['"](\.[^'"]+)['"]/g;
        for (const match of source.matchAll(specifiers)) {
          const specifier = (match[1] ?? match[2])!;
          found.push({ file: relative(repoRoot, path), target: relative(repoRoot, resolve(dirname(path), specifier)).replace(/\.ts$/, '') });
        }
      }
    }
  };
  walk(join(repoRoot, folder));
  return found;
}

const RENDER_ENTRY = 'lambdas/render';
const isRenderInternal = (target: string) => target.startsWith(`${RENDER_ENTRY}/`) && target !== `${RENDER_ENTRY}/index`;

describe('dependency direction', () => {
  it('never imports the site, the infrastructure or the executables from runtime code', () => {
    const offending = importsUnder('lambdas').filter(({ target }) => /^(web|lib|bin|test|bench)\//.test(target));
    expect(offending).toEqual([]);
  });

  it('reaches server-side rendering from outside only through its public entry', () => {
    const outside = ['web', 'bin', 'lib', 'lambdas/events', 'lambdas/api', 'bench'].flatMap(importsUnder);
    expect(outside.filter(({ target }) => isRenderInternal(target))).toEqual([]);
    expect(importsUnder('web').filter(({ target }) => target.startsWith('lambdas/') && target !== RENDER_ENTRY)).toEqual([]);
  });

  it('keeps the domain free of rendering, handlers, events, middleware and the store', () => {
    const offending = importsUnder('lambdas/domain').filter(({ target }) => !target.startsWith('lambdas/domain/'));
    expect(offending).toEqual([]);
  });

  it('writes no HTML in the domain', () => {
    const tags = /<\/?(?:html|head|body|div|span|p|a|ul|ol|li|h[1-6]|section|article|nav|main|header|footer|button|form|input|label|pre|code|table|tr|td|th|img|svg|script|style)(?:\s[^<>]*)?>/;
    const files = readdirSync(join(repoRoot, 'lambdas/domain')).filter((f) => f.endsWith('.ts'));
    const withHtml = files.filter((f) => tags.test(readFileSync(join(repoRoot, 'lambdas/domain', f), 'utf8')));
    expect(withHtml).toEqual([]);
  });

  it('notices a forbidden import (the check itself can fail)', () => {
    expect(isRenderInternal('lambdas/render/templates/html')).toBe(true);
    expect(isRenderInternal('lambdas/render')).toBe(false);
  });
});
