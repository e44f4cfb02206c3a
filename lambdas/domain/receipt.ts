import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { cardItemOf, VISIT_HOURS } from './cards';
import type { Answer, Outcome } from './grading';

/**
 * Receipts for anonymous work. The server grades an answer given without a session and returns a
 * receipt: an HMAC-SHA256 (server key) over what was graded — lesson, item, a digest of the answer,
 * the outcome, the time — and a random id. Nothing about the learner is in it. On sign-in, the merge
 * accepts only answers that come with a valid, unexpired receipt for exactly that answer, and each
 * receipt once, so neither the times nor the ids nor the answers of merged work are the browser's word.
 *
 * Receipts of one card are chained per anonymous visit: the page sends the card's last receipt with
 * the next anonymous answer, and the new receipt carries the visit's FIRST answer (whole, signed) and
 * its place in the visit (`seq`). A receipt with `seq` > 1 is practice, and the merge schedules from
 * the first answer it carries, so discarding the wrong answer's receipt and merging the right one
 * changes nothing. What a chain cannot stop: a caller who never sends the previous receipt (a fresh
 * private window) starts a new visit each time; docs/api.md says what that does and does not allow.
 *
 * Format: `<base64url(JSON claims)>.<base64url(HMAC(key, "rungs-receipt-v2." + claims part))>`.
 */
export interface FirstAnswer {
  id: string;
  /** Grading time, epoch ms. */
  at: number;
  answer: Answer;
  outcome: string;
}

export interface ReceiptClaims {
  /** Receipt id: the merged attempt's id, and what makes a receipt single-use. */
  id: string;
  lessonId: string;
  itemId: string;
  /** SHA-256 of the answer's canonical JSON, base64url. */
  answer: string;
  /** `correct`, `incorrect`, or the recall self-rating. */
  outcome: string;
  /** Grading time, epoch ms. */
  at: number;
  /** This answer's place in its anonymous visit to the card: 1 for the first (the one that schedules). */
  seq: number;
  /** The visit's first answer (this one when `seq` is 1). */
  first: FirstAnswer;
}

/** A receipt issued before receipts were chained (v1): no `seq`, no `first`; merged as practice only. */
export type LegacyReceiptClaims = Omit<ReceiptClaims, 'seq' | 'first'>;

const CONTEXT = 'rungs-receipt-v2.';
const LEGACY_CONTEXT = 'rungs-receipt-v1.';
/** A receipt is worth merging for as long as the merge accepts old answers. */
export const RECEIPT_MAX_AGE_MS = 30 * 86_400_000;
/** Longest receipt the API accepts: the first answer it carries may list up to 50 ids of 100 characters. */
export const RECEIPT_MAX_LENGTH = 10_000;

/** The answer's canonical JSON (choices compared as a set, steps in their order). */
function canonical(answer: Answer): string {
  if ('choices' in answer) return JSON.stringify({ choices: [...answer.choices].sort() });
  if ('order' in answer) return JSON.stringify({ order: answer.order });
  // A recall answer is one prompt's rating: the receipt names the prompt, so it cannot move to another.
  return JSON.stringify({ prompt: 'prompt' in answer ? answer.prompt : undefined, rating: answer.rating });
}

export const answerDigest = (answer: Answer) => createHash('sha256').update(canonical(answer)).digest('base64url');
export const outcomeLabel = (outcome: Outcome) => (outcome.kind === 'recall' ? outcome.rating : outcome.correct ? 'correct' : 'incorrect');

const mac = (key: Buffer, context: string, body: string) => createHmac('sha256', key).update(context + body).digest();

export function signReceipt(key: Buffer, claims: ReceiptClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(key, CONTEXT, body).toString('base64url')}`;
}

export type ReceiptCheck =
  | { valid: true; claims: ReceiptClaims; legacy?: false }
  | { valid: true; claims: LegacyReceiptClaims; legacy: true }
  | { valid: false; reason: 'forged' | 'expired' | 'future' | 'other-answer' };

/** Signature and time of a receipt, not yet the answer; `now` in epoch ms. Constant-time compare. */
function readReceipt(key: Buffer, receipt: string, now: number): Exclude<ReceiptCheck, { reason: 'other-answer' }> {
  const [body = '', signature = '', extra] = receipt.split('.');
  const given = Buffer.from(signature, 'base64url');
  // Canonical base64url only (no padding, no stray bits), and a constant-time compare.
  const signedWith = (context: string) => {
    const expected = mac(key, context, body);
    return extra === undefined && given.length === expected.length && given.toString('base64url') === signature && timingSafeEqual(given, expected);
  };
  const legacy = !signedWith(CONTEXT);
  if (legacy && !signedWith(LEGACY_CONTEXT)) return { valid: false, reason: 'forged' };
  // Signed by us, so well-formed: the server only ever signs these claims.
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ReceiptClaims;
  if (claims.at > now + 60_000) return { valid: false, reason: 'future' };
  if (claims.at < now - RECEIPT_MAX_AGE_MS) return { valid: false, reason: 'expired' };
  return legacy ? { valid: true, claims, legacy: true } : { valid: true, claims };
}

/** Checks a receipt against the answer it came with; `now` in epoch ms. */
export function verifyReceipt(key: Buffer, receipt: string, answer: Answer, now: number): ReceiptCheck {
  const check = readReceipt(key, receipt, now);
  if (check.valid && check.claims.answer !== answerDigest(answer)) return { valid: false, reason: 'other-answer' };
  return check;
}

/**
 * A receipt for an answer just graded without a session. `previous` is the receipt the page holds
 * for the same card: when it is genuine and its visit's first answer is less than VISIT_HOURS old,
 * this answer continues that visit (practice, carrying the same first answer); anything else
 * (none, forged, expired, another card, an older visit) starts a new visit with this answer first.
 */
export function issueReceipt(key: Buffer, input: { lessonId: string; itemId: string; answer: Answer; outcome: Outcome; at: Date; previous?: string | undefined }): string {
  const at = input.at.getTime();
  const before = input.previous === undefined ? undefined : readReceipt(key, input.previous, at);
  const visit =
    before?.valid && !before.legacy && before.claims.lessonId === input.lessonId && before.claims.itemId === input.itemId
      ? before.claims
      : undefined;
  const continues =
    visit !== undefined &&
    cardItemOf(input.itemId, visit.first.answer) === cardItemOf(input.itemId, input.answer) &&
    at >= visit.first.at &&
    at - visit.first.at < VISIT_HOURS * 3_600_000;
  const id = randomUUID();
  const outcome = outcomeLabel(input.outcome);
  return signReceipt(key, {
    id,
    lessonId: input.lessonId,
    itemId: input.itemId,
    answer: answerDigest(input.answer),
    outcome,
    at,
    seq: continues ? visit.seq + 1 : 1,
    first: continues ? visit.first : { id, at, answer: input.answer, outcome },
  });
}

/** One answer the merge records, with the id, time and answer its receipt signed. */
interface MergedAnswer {
  id: string;
  lessonId: string;
  itemId: string;
  at: number;
  answer: Answer;
  /** A later answer of an anonymous visit (or a receipt from before chains): history only, never scheduled. */
  practice: boolean;
}

/**
 * What a merge records from the receipts sent: every visit's FIRST answer, taken from the receipts
 * themselves (each carries its visit's first answer, signed), whether or not the first answer's own
 * receipt was sent; every later answer of a visit as practice. So which receipts a browser keeps or
 * drops cannot choose the answer that schedules a card.
 */
export function answersToMerge(proven: { check: Extract<ReceiptCheck, { valid: true }>; answer: Answer }[]): MergedAnswer[] {
  const byId = new Map<string, MergedAnswer>();
  for (const { check, answer } of proven) {
    const { id, lessonId, itemId, at } = check.claims;
    if (check.legacy) {
      byId.set(id, { id, lessonId, itemId, at, answer, practice: true });
      continue;
    }
    const { first, seq } = check.claims;
    if (!byId.has(first.id)) byId.set(first.id, { id: first.id, lessonId, itemId, at: first.at, answer: first.answer, practice: false });
    if (seq > 1) byId.set(id, { id, lessonId, itemId, at, answer, practice: true });
  }
  return [...byId.values()].sort((a, b) => a.at - b.at);
}
