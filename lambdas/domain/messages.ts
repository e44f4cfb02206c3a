/**
 * Author-facing wording for schema and YAML problems. The schemas (lesson.ts, catalog.ts) say what
 * is valid; this module says, in the author's terms, what is wrong and what to write instead. It is
 * keyed on zod issue codes and paths (the same in `zod` and `zod/mini`) and on YAML problem codes, so
 * no library sentence ("Invalid input: expected object, received null") reaches an author.
 */

/** The parts of a zod issue this module reads (structural, so either zod flavour fits). */
export interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  origin?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  keys?: string[];
  values?: unknown[];
  format?: unknown;
}

/** What to write in a field, by its key (the last name in its path). */
const hints: Record<string, string> = {
  id: 'an id of lowercase words joined by hyphens, e.g. "token-audience"',
  title: 'a title as one line of text, e.g. "Why tokens have an audience"',
  track: 'the id of the track folder the lesson sits in, e.g. "security"',
  unit: 'the id of the unit folder the lesson sits in, e.g. "oauth"',
  order: 'a whole number from 1 that places it among its siblings, e.g. 3',
  level: 'one of junior, middle or senior',
  concepts: 'a list of at least one concept id, e.g. [access-token, audience]',
  prerequisites: 'a list of lesson ids, e.g. [jwt-structure], or leave the field out',
  summary: 'one or two sentences that say what the lesson teaches',
  readingMinutes: 'a whole number of minutes, or leave the field out to have it computed',
  description: 'one or two sentences shown in the catalog',
  prompt: 'the question as text',
  choices: 'a list of choices, each "- id: …" with text, explanation and, for the right ones, correct: true',
  text: 'the text the learner sees',
  explanation: 'why this choice is right or wrong, shown after answering',
  correct: 'true or false',
  steps: 'a list of steps in the correct order, each "- id: …" with text',
  prompts: 'a list of prompts, each "- id: …" with prompt and answer',
  answer: 'the model answer in one to three sentences',
};

const fieldKinds: Record<string, string> = { choices: 'choice', steps: 'step', prompts: 'prompt', concepts: 'concept', prerequisites: 'prerequisite' };

const hintFor = (path: PropertyKey[]) => {
  const key = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  return (key && hints[key]) ?? 'a value of the kind shown in docs/authoring.md';
};

/**
 * Author text (a key, a value, an alias name) as a message shows it: at most 40 characters, in
 * double quotes with JSON escapes, so no line break, quote or control character in it can forge a
 * line or a field of `file:line:col message` output.
 */
export const quoteText = (text: string) =>
  JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A path step as a field name shows it: a plain name as it is, any other key quoted. */
const step = (part: PropertyKey) => (/^[A-Za-z_][\w-]{0,39}$/.test(String(part)) ? String(part) : quoteText(String(part)));

/** `choices.2.text` reads as `choices[2].text`, the way a YAML list entry is counted (from 0). */
export const fieldName = (path: PropertyKey[]) =>
  path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${step(part)}` : step(part)), '');

const describe = (value: unknown) =>
  value === null ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a set of fields' : typeof value === 'string' ? `the text ${quoteText(value)}` : `${typeof value} ${String(value)}`;

const expectedWord: Record<string, string> = { object: 'a set of fields', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false', int: 'a whole number' };

/**
 * The message for one schema issue. `value` is what the YAML held at the issue's path (undefined
 * when the field is missing). Messages name the field and say what to write instead.
 */
export function schemaMessage(issue: SchemaIssue, value: unknown): string {
  const field = fieldName(issue.path);
  const name = field || 'this block';
  const hint = hintFor(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return `${name} is missing: add ${field ? `"${String(issue.path.at(-1))}: " with ` : ''}${hint}`;
      if (value === null) return `${name} is empty: write ${hint}`;
      const expected = expectedWord[String(issue.expected)] ?? String(issue.expected);
      return `${name} should be ${expected}, not ${describe(value)}: write ${hint}`;
    }
    case 'too_small': {
      if (issue.origin === 'array') {
        const kind = fieldKinds[String(issue.path.at(-1))] ?? 'entry';
        const count = Array.isArray(value) ? value.length : 0;
        return `${name} has ${count} ${count === 1 ? kind : `${kind}s`}, at least ${String(issue.minimum)} needed: write ${hint}`;
      }
      if (issue.origin === 'string') return `${name} is empty: write ${hint}`;
      return `${name} is ${String(value)}: write ${hint}`;
    }
    case 'too_big': {
      if (issue.origin === 'array') {
        const kind = fieldKinds[String(issue.path.at(-1))] ?? 'entry';
        const count = Array.isArray(value) ? value.length : 0;
        return `${name} has ${count} ${kind}s, at most ${String(issue.maximum)} allowed: keep the best ${String(issue.maximum)} or split the exercise in two`;
      }
      if (issue.origin === 'string') return `${name} is ${typeof value === 'string' ? value.length : '?'} characters long, at most ${String(issue.maximum)} allowed: shorten it`;
      return `${name} is ${String(value)}: write ${hint}`;
    }
    case 'invalid_value':
      return `${name} is ${describe(value)}: write ${(issue.values ?? []).map(String).join(', ').replace(/, ([^,]*)$/, ' or $1')}`;
    case 'invalid_format':
      return `${name} is ${describe(value)}, which is not an id: write ${hints.id}`;
    case 'unrecognized_keys': {
      const key = issue.keys?.[0] ?? '';
      return `unknown field ${quoteText(key)}${field ? ` in ${field}` : ''}: remove it or check its spelling (see docs/authoring.md)`;
    }
    case 'custom':
      return field ? `${field}: ${issue.message}` : issue.message;
    case 'not_multiple_of':
      return `${name} is ${String(value)}: write ${hint}`;
    default:
      return `${name} is not valid here: write ${hint}`;
  }
}

/** Author wording for the YAML reader's problem codes; unknown codes get general advice, never the raw text. */
const yamlAdvice: Record<string, string> = {
  BAD_INDENT: 'the indentation is off: indent nested fields by two spaces and list entries ("- ") under their key',
  TAB_AS_INDENT: 'a tab is used for indentation: indent with spaces',
  BLOCK_AS_IMPLICIT_KEY: 'a line reads as a key but is not one: put a value containing ": " in quotes',
  MULTILINE_IMPLICIT_KEY: 'a key runs over several lines: put a value containing ": " in quotes, or end the line before with a value',
  MISSING_CHAR: 'a bracket or quote is not closed: close it, or put the value in quotes',
  MISSING_SPACE: 'write a space after ":" (name: value)',
  BLOCK_IN_FLOW: 'a "- " list entry cannot sit inside [ ] or { }: write the list as lines starting with "- ", or put the text in quotes',
  FLOW_PAIR_COLON: 'an entry inside [ ] or { } holds a second ": ": separate entries with commas, or put a value containing ": " in quotes',
  DUPLICATE_KEY: 'a field appears twice: keep one',
  BAD_SCALAR_START: 'a value starts with a character YAML reserves (@, `, %, |, >): put the value in quotes',
  UNEXPECTED_TOKEN: 'unexpected character: put a value containing ":", "#", "[" or "{" in quotes',
  BAD_ALIAS: 'a YAML alias ("*name") is malformed: write the value out in full',
  MISSING_ANCHOR: 'a YAML alias ("*name") refers to no anchor: write the value out in full instead of "*name"',
  RESOURCE_EXHAUSTION: 'the YAML is nested too deeply (more than 64 levels of lists and fields): flatten it',
  IMPOSSIBLE: 'the YAML cannot be read here: check indentation and quote values with special characters',
  // Features the Rungs reader refuses (lambdas/domain/yaml-reader.ts): each says what to write instead.
  TAG: 'YAML tags ("!name", "!!str") are not read here: remove the tag, and write the value in quotes if it must stay text',
  DIRECTIVE: 'YAML directives ("%YAML", "%TAG") are not read here: remove the line',
  DOCUMENT_MARKER: 'a line "---" or "..." would start or end a YAML document inside this block: remove it, or write it as part of a value in quotes',
  COMPLEX_KEY: 'a key must be text on one line: write it as "name: value" (no "? ", lists, anchors or aliases as keys)',
};

export function yamlMessage(code: string): string {
  return `YAML: ${yamlAdvice[code] ?? 'this line cannot be read: check indentation and put values with ":", "#", "[" or "{" in quotes'}`;
}
