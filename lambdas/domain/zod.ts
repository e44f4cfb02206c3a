import { _coercedNumber, _isoDateTime } from 'zod/v4/core';
import { config, ZodMiniISODateTime, ZodMiniNumber, type core } from 'zod/mini';

/**
 * The one way Rungs code gets zod (`import * as z from '…/domain/zod'`): the tree-shakable
 * `zod/mini` build, of which a bundle keeps only the schemas and checks it uses (classic zod ships
 * all of itself, ~440 KiB minified). A namespace import keeps the tree-shaking: esbuild turns
 * `z.string` into a direct reference.
 *
 * `zod/mini` alone says only "Invalid input". `issueMessage` words each issue the schemas here can
 * raise the way classic zod's English messages do (API clients and tests read them), about 1.4 KiB
 * less than loading the English locale with its dictionary of formats Rungs never checks;
 * test/unit/validation-messages.test.ts compares the two for every builder Rungs code calls.
 */

const sizeUnits: Record<string, string> = { string: 'characters', array: 'items', set: 'items', map: 'entries', file: 'bytes' };

/** What a value is, as a message names it ("array", "null", "NaN", or a class such as "Set" or "Date"). */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && Object.getPrototypeOf(value) !== Object.prototype && 'constructor' in value && value.constructor) {
    return (value.constructor as { name: string }).name;
  }
  return typeof value;
}

const literal = (value: unknown) => (typeof value === 'string' ? `"${value}"` : typeof value === 'bigint' ? `${value}n` : String(value));

const formatNames: Record<string, string> = { datetime: 'ISO datetime', date: 'ISO date', time: 'ISO time', url: 'URL' };

/** The bound of a size or range issue: "to have >=1 characters", "to be <=100". */
function bound(issue: { origin?: string; exact?: boolean; inclusive?: boolean }, limit: unknown, [inclusive, exclusive]: [string, string]): string {
  const relation = issue.exact ? 'exactly ' : issue.inclusive ? inclusive : exclusive;
  const unit = sizeUnits[issue.origin ?? ''];
  return unit ? `to have ${relation}${String(limit)} ${unit}` : `to be ${relation}${String(limit)}`;
}

export function issueMessage(issue: core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected === 'nan' ? 'NaN' : issue.expected}, received ${received(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `Invalid input: expected ${literal(issue.values[0])}` : `Invalid option: expected one of ${issue.values.map(literal).join('|')}`;
    case 'too_big':
      return `Too big: expected ${issue.origin ?? 'value'} ${bound(issue, issue.maximum, ['<=', '<'])}`;
    case 'too_small':
      return `Too small: expected ${issue.origin ?? 'value'} ${bound(issue, issue.minimum, ['>=', '>'])}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `Invalid string: must match pattern ${issue.pattern}` : `Invalid ${formatNames[issue.format] ?? issue.format}`;
    case 'not_multiple_of':
      return `Invalid number: must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map(literal).join(', ')}`;
    case 'invalid_key':
      return `Invalid key in ${issue.origin}`;
    case 'invalid_element':
      return `Invalid value in ${issue.origin}`;
    case 'invalid_union': {
      // A discriminated union names the discriminator values it knows.
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0) return `Invalid discriminator value. Expected ${options.map((o) => `'${String(o)}'`).join(' | ')}`;
      return issue.inclusive === false ? 'Invalid input: more than one option matched' : 'Invalid input';
    }
    default:
      return 'Invalid input';
  }
}

config({ localeError: issueMessage });

export * from 'zod/mini';

/*
 * `z.iso.datetime()` and `z.coerce.number()` reach their functions through namespace objects, which
 * esbuild keeps whole (every ISO format, every coercion): these two are the direct references.
 */
export const isoDatetime = (params?: Parameters<typeof _isoDateTime>[1]) => _isoDateTime(ZodMiniISODateTime, params);
export const coerceNumber = (params?: Parameters<typeof _coercedNumber>[1]) => _coercedNumber(ZodMiniNumber, params) as ZodMiniNumber<unknown>;
