import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../lib/paths';

/**
 * WCAG 2.2 (1.4.11, 2.4.13): the focus ring needs 3:1 against what it is drawn on. The ring is drawn
 * outside the focused element (a positive outline-offset), so it sits on the background of whatever
 * contains that element: every background the stylesheet gives a container, in light and dark.
 */
const css = readFileSync(fromRoot('web/static/styles.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');

interface Rule {
  selector: string;
  body: string;
  /** The at-rule preludes the rule sits in, outermost first. */
  within: string[];
}

/** Every style rule with the at-rules around it (the stylesheet nests only @media). */
function rules(text: string): Rule[] {
  const found: Rule[] = [];
  const stack: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') {
      stack.push(text.slice(start, i).trim());
      start = i + 1;
    } else if (text[i] === '}') {
      const prelude = stack.pop() ?? '';
      if (!prelude.startsWith('@')) found.push({ selector: prelude, body: text.slice(start, i), within: [...stack] });
      start = i + 1;
    }
  }
  return found;
}

const all = rules(css);
const declarations = (body: string) => new Map([...body.matchAll(/([-\w]+)\s*:\s*([^;]+)/g)].map((m) => [m[1]!, m[2]!.trim()]));
const isDark = (rule: Rule) => rule.within.some((w) => /prefers-color-scheme:\s*dark/.test(w));
const customProperties = (dark: boolean) => {
  const values = new Map<string, string>();
  for (const rule of all.filter((r) => r.selector === ':root' && r.within.every((w) => /prefers-color-scheme/.test(w))).sort((a, b) => Number(isDark(a)) - Number(isDark(b)))) {
    if (isDark(rule) && !dark) continue;
    for (const [name, value] of declarations(rule.body)) if (name.startsWith('--')) values.set(name, value);
  }
  return values;
};

function luminance(hex: string): number {
  const digits = hex.replace('#', '');
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
  const [r, g, b] = [0, 2, 4].map((at) => parseInt(full.slice(at, at + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

/**
 * Backgrounds the ring never sits on: focusable elements themselves (the ring surrounds them from
 * outside) and elements that hold nothing focusable.
 */
const OWN_BACKGROUND_ONLY = new Set(['button', 'button.secondary', 'button.danger', 'button.link-button', '.skip:focus', '.prompts textarea', '.catalog-filter input', '.catalog-filter select', '.due-badge', 'kbd', 'img.figure', '.hljs']);

const focusRules = all.filter((r) => /:focus/.test(r.selector) && /var\(--/.test(declarations(r.body).get('outline') ?? ''));
const ringColours = [...new Set(focusRules.map((r) => /var\((--[-\w]+)\)/.exec(declarations(r.body).get('outline')!)![1]!))];
const containerBackgrounds = [
  ...new Set(
    all
      .filter((r) => r.selector !== ':root' && !r.selector.split(',').every((s) => OWN_BACKGROUND_ONLY.has(s.trim())))
      .map((r) => declarations(r.body).get('background') ?? declarations(r.body).get('background-color'))
      .filter((value): value is string => value !== undefined && !/^(none|transparent|inherit)$/.test(value)),
  ),
];

describe('the focus ring', () => {
  it('is drawn outside the focused element, in a colour from the custom properties', () => {
    expect(focusRules.length).toBeGreaterThan(0);
    for (const rule of focusRules) {
      const offset = declarations(rule.body).get('outline-offset') ?? '0';
      expect(parseFloat(offset), rule.selector).toBeGreaterThan(0);
    }
    expect(ringColours).toEqual(['--focus']);
  });

  it('finds the page and surface backgrounds among the backgrounds focusable elements sit on', () => {
    expect(containerBackgrounds).toEqual(expect.arrayContaining(['var(--bg)', 'var(--surface)']));
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has at least 3:1 contrast against every container background in the ${scheme} scheme`, () => {
      // Prepare
      const vars = customProperties(scheme === 'dark');
      const resolve = (value: string) => {
        const name = /^var\((--[-\w]+)\)$/.exec(value)?.[1];
        const colour = name ? vars.get(name) : value;
        if (!colour || !/^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(colour)) throw new Error(`cannot resolve ${value} to a hex colour in the ${scheme} scheme`);
        return colour;
      };

      // Act
      const ratios = ringColours.flatMap((ring) => containerBackgrounds.map((bg) => ({ ring, bg, ratio: Math.round(contrast(resolve(`var(${ring})`), resolve(bg)) * 100) / 100 })));

      // Assess
      expect(ratios.filter((r) => r.ratio < 3)).toEqual([]);
      expect(ratios.length).toBeGreaterThanOrEqual(2);
    });
  }

  it('computes WCAG contrast as the standard does (black on white 21:1, a colour on itself 1:1)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777', '#777777')).toBe(1);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2); // the grey usually quoted as just passing 4.5:1
  });
});
