import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from 'zod/locales';
import * as z from '../../lambdas/domain/zod';
import { repoRoot } from '../../lib/paths';

/**
 * Rungs words validation issues itself (lambdas/domain/zod.ts) instead of loading zod's English
 * locale. Clients and tests read these messages, so each one must read exactly as zod's English
 * locale words it: a differential test over every kind of issue the schemas can raise.
 */
const english = en().localeError;

const messages = (schema: z.ZodMiniType, input: unknown, error?: typeof english) => {
  const result = error ? schema.safeParse(input, { error }) : schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return result.error.issues.map((issue) => issue.message);
};

const cases: [string, z.ZodMiniType, unknown][] = [
  ['a wrong type', z.string(), 5],
  ['a missing value', z.string(), undefined],
  ['null for an object', z.object({}), null],
  ['an array for an object', z.strictObject({}), [1]],
  ['NaN for a number', z.number(), Number.NaN],
  ['a fraction for an integer', z.int(), 2.5],
  ['an unknown option', z.enum(['started', 'completed']), 'done'],
  ['another literal', z.literal('now'), 'later'],
  ['a literal number', z.literal(3), 4],
  ['a string too long', z.string().check(z.maxLength(100)), 'a'.repeat(101)],
  ['a string too short', z.string().check(z.minLength(1)), ''],
  ['a string of the wrong exact length', z.string().check(z.length(4)), 'abc'],
  ['too few items', z.array(z.string()).check(z.minLength(1)), []],
  ['too many items', z.array(z.string()).check(z.maxLength(2)), ['a', 'b', 'c']],
  ['a number too small', z.number().check(z.minimum(1)), 0],
  ['a number too big', z.number().check(z.maximum(100)), 500],
  ['a number not above its bound', z.number().check(z.gt(0)), 0],
  ['a number not below its bound', z.number().check(z.lt(10)), 10],
  ['a number that is not a multiple', z.number().check(z.multipleOf(5)), 7],
  ['a pattern', z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)), 'Bad Slug'],
  ['an ISO datetime', z.isoDatetime(), 'tomorrow'],
  ['a URL', z.url(), 'not a url'],
  ['one unknown key', z.strictObject({ a: z.string() }), { a: 'x', extra: 1 }],
  ['several unknown keys', z.strictObject({}), { x: 1, y: 2 }],
  ['no union option', z.union([z.literal('now'), z.isoDatetime()]), 'soon'],
  ['no discriminator', z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b') })]), { type: 'c' }],
  ['a bad record key', z.record(z.string().check(z.minLength(3)), z.number()), { ab: 1 }],
  ['a refinement without a message', z.string().check(z.refine((s) => s.length > 3)), 'ab'],
  ['a coerced number that is not one', z.coerceNumber(), 'many'],
  ['a Set read from the table where a number belongs', z.number(), new Set([1])],
  ['a Date where a string belongs', z.string(), new Date(0)],
  ['an object without a prototype', z.string(), Object.create(null)],
  ['a tuple of the wrong length', z.tuple([z.string(), z.number()]), ['a']],
  ['a tuple entry of the wrong type', z.tuple([z.string(), z.number()]), ['a', 'b']],
  ['a boolean', z.boolean(), 'yes'],
  ['a number that is not positive', z.number().check(z.positive()), 0],
  ['a blank string that must not be', z.string().check(z.trim(), z.minLength(1)), '   '],
  ['a loose object missing a field', z.looseObject({ id: z.string() }), { other: 1 }],
  ['an optional field of the wrong type', z.object({ n: z.optional(z.number()) }), { n: 'x' }],
  ['a default that is not used', z.object({ n: z._default(z.number(), 1) }), { n: 'x' }],
  ['an extended object', z.extend(z.object({ a: z.string() }), { b: z.number() }), { a: 'x' }],
  ['a partial object', z.partial(z.strictObject({ a: z.string() })), { a: 1 }],
  ['a pipe into a transform', z.pipe(z.string(), z.transform((s: string) => s.length)), 3],
  ['a superRefine issue', z.string().check(z.superRefine((s, ctx) => void (s === 'x' && ctx.addIssue({ code: 'custom', message: 'no x' })))), 'x'],
];

/** Every zod builder Rungs code calls (`z.name(` or `z.name<…>(`), file by file under lambdas/. */
function buildersUsed(): Set<string> {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !path.endsWith(join('domain', 'zod.ts'))) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\bz\.([A-Za-z_]\w*)\s*(?:<[^()\n]*?>)?\(/g)) used.add(match[1]!);
      }
    }
  };
  walk(join(repoRoot, 'lambdas'));
  return used;
}

/** The builders the cases above exercise (each raises its issues in at least one case). */
const covered = new Set([
  'string', 'number', 'int', 'boolean', 'object', 'strictObject', 'looseObject', 'array', 'tuple', 'record', 'enum', 'literal',
  'union', 'discriminatedUnion', 'optional', '_default', 'extend', 'partial', 'pipe', 'transform', 'refine', 'superRefine',
  'minLength', 'maxLength', 'length', 'minimum', 'maximum', 'gt', 'lt', 'positive', 'multipleOf', 'regex', 'trim', 'url',
  'isoDatetime', 'coerceNumber',
]);

describe('validation messages', () => {
  it.each(cases)('word %s as zod’s English locale does', (_name, schema, input) => {
    // Act
    const ours = messages(schema, input);

    // Assess
    expect(ours).toEqual(messages(schema, input, english));
    expect(ours.every((message) => message.length > 0)).toBe(true);
  });

  it('say what was expected and what was received', () => {
    // Act / Assess: the wording API clients read (docs/api.md)
    expect(messages(z.strictObject({ a: z.string() }), { a: 1, b: 2 })).toEqual(['Invalid input: expected string, received number', 'Unrecognized key: "b"']);
    expect(messages(z.array(z.string()).check(z.minLength(1)), [])).toEqual(['Too small: expected array to have >=1 items']);
  });

  it('cover every zod builder Rungs code calls, so a new kind of check cannot change the wording unseen', () => {
    // Act
    const uncovered = [...buildersUsed()].filter((name) => !covered.has(name));

    // Assess: e.g. z.email() words its issue "Invalid email" here and "Invalid email address" in zod's locale
    expect(uncovered).toEqual([]);
  });

  it('notice a message that differs (the comparison itself can fail)', () => {
    // Act
    const terse = messages(z.string(), 5, () => 'Invalid input');

    // Assess
    expect(terse).not.toEqual(messages(z.string(), 5, english));
  });
});
