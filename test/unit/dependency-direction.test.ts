import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import ts from 'typescript';
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

/** Every folder of runtime code, and the other top-level code folders (tests may read render internals). */
const LAMBDA_FOLDERS = readdirSync(join(repoRoot, 'lambdas'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `lambdas/${e.name}`);

/** The text of every string and template literal in a TypeScript source (comments, code and regexes left out). */
function stringLiterals(source: string): string[] {
  const texts: string[] = [];
  const visit = (node: ts.Node) => {
    // A template with expressions is one text, each expression a placeholder: `<img src="${u}">` is a tag
    // (a tag whose name is computed, `<${name}>`, is not seen: the domain has none to hide).
    if (ts.isTemplateExpression(node)) texts.push(node.head.text + node.templateSpans.map((span) => `\${}${span.literal.text}`).join(''));
    else if (ts.isStringLiteralLike(node)) texts.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true));
  return texts;
}

/**
 * A start, end or self-closing tag of any element name. A bare `<name>` inside a path (`/lessons/<id>/`,
 * `<track>/<unit>/`) is a placeholder in an author message, not a tag.
 */
function hasTag(text: string): boolean {
  for (const match of text.matchAll(/<(\/)?[a-z][a-z0-9-]*(\s[^<>]*)?(\/)?>/gi)) {
    const bare = !match[1] && !match[2] && !match[3];
    const end = match.index + match[0].length;
    if (bare && (text[match.index - 1] === '/' || text[end] === '/')) continue;
    return true;
  }
  return false;
}
const htmlIn = (source: string) => stringLiterals(source).filter(hasTag);

const RENDER_ENTRY = 'lambdas/render';
const isRenderInternal = (target: string) => target.startsWith(`${RENDER_ENTRY}/`) && target !== `${RENDER_ENTRY}/index`;

describe('dependency direction', () => {
  it('never imports the site, the infrastructure or the executables from runtime code', () => {
    const offending = importsUnder('lambdas').filter(({ target }) => /^(web|lib|bin|test|bench)\//.test(target));
    expect(offending).toEqual([]);
  });

  it('reaches server-side rendering from outside only through its public entry', () => {
    const outside = ['web', 'bin', 'lib', 'bench', ...LAMBDA_FOLDERS.filter((f) => f !== RENDER_ENTRY)].flatMap(importsUnder);
    expect(LAMBDA_FOLDERS).toEqual(expect.arrayContaining(['lambdas/api', 'lambdas/events', 'lambdas/middleware', 'lambdas/store', 'lambdas/session']));
    expect(outside.filter(({ target }) => isRenderInternal(target))).toEqual([]);
    expect(importsUnder('web').filter(({ target }) => target.startsWith('lambdas/') && target !== RENDER_ENTRY)).toEqual([]);
  });

  it('keeps the domain free of rendering, handlers, events, middleware and the store', () => {
    const offending = importsUnder('lambdas/domain').filter(({ target }) => !target.startsWith('lambdas/domain/'));
    expect(offending).toEqual([]);
  });

  it('writes no HTML in the domain', () => {
    const files = readdirSync(join(repoRoot, 'lambdas/domain')).filter((f) => f.endsWith('.ts'));
    const withHtml = files.map((f) => ({ file: f, html: htmlIn(readFileSync(join(repoRoot, 'lambdas/domain', f), 'utf8')) })).filter((f) => f.html.length > 0);
    expect(files.length).toBeGreaterThan(10);
    expect(withHtml).toEqual([]);
  });

  it('notices a forbidden import and HTML in a string (the checks themselves can fail)', () => {
    expect(isRenderInternal('lambdas/render/templates/html')).toBe(true);
    expect(isRenderInternal('lambdas/render')).toBe(false);
    // The scanner sees a real import: the ingest reaches rendering through its entry.
    expect(importsUnder('lambdas/events')).toContainEqual({ file: 'lambdas/events/page-writes.ts', target: RENDER_ENTRY });
    expect(htmlIn("const a = `<figure class=\"x\">${b}</figure>`; // <p>in a comment</p>\nconst r = /<em>/;")).toEqual(['<figure class="x">${}</figure>']);
    expect(htmlIn('const i = `<img src="${u}" alt="${a}">`;')).toEqual(['<img src="${}" alt="${}">']);
    expect(htmlIn('const m = new Map<string, number>(); const s = "a < b > c"; const p = "/lessons/<id>/ in <track>/<unit>/";')).toEqual([]);
    expect(htmlIn('const t = "<p>"; const u = "Use <strong>this</strong>";')).toEqual(['<p>', 'Use <strong>this</strong>']);
  });
});
