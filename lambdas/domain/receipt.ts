import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Answer, Outcome } from './grading';

/**
 * Receipts for anonymous work. The server grades an answer given without a session and returns a
 * receipt: an HMAC-SHA256 (server key) over what was graded — lesson, item, a digest of the answer,
 * the outcome, the time — and a random id. Nothing about the learner is in it. On sign-in, the merge
 * accepts only answers that come with a valid, unexpired receipt for exactly that answer, and each
 * receipt once, so neither the times nor the ids nor the answers of merged work are the browser's word.
 *
 * Format: `<base64url(JSON claims)>.<base64url(HMAC(key, "rungs-receipt-v1." + claims part))>`.
 */
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
}

const CONTEXT = 'rungs-receipt-v1.';
/** A receipt is worth merging for as long as the merge accepts old answers. */
export const RECEIPT_MAX_AGE_MS = 30 * 86_400_000;

/** The answer's canonical JSON (choices compared as a set, steps in their order). */
function canonical(answer: Answer): string {
  if ('choices' in answer) return JSON.stringify({ choices: [...answer.choices].sort() });
  if ('order' in answer) return JSON.stringify({ order: answer.order });
  // A recall answer is one prompt's rating: the receipt names the prompt, so it cannot move to another.
  return JSON.stringify({ prompt: 'prompt' in answer ? answer.prompt : undefined, rating: answer.rating });
}

export const answerDigest = (answer: Answer) => createHash('sha256').update(canonical(answer)).digest('base64url');
export const outcomeLabel = (outcome: Outcome) => (outcome.kind === 'recall' ? outcome.rating : outcome.correct ? 'correct' : 'incorrect');

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(CONTEXT + body).digest();

export function signReceipt(key: Buffer, claims: ReceiptClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** A receipt for an answer just graded without a session. */
export function issueReceipt(key: Buffer, input: { lessonId: string; itemId: string; answer: Answer; outcome: Outcome; at: Date }): string {
  return signReceipt(key, { id: randomUUID(), lessonId: input.lessonId, itemId: input.itemId, answer: answerDigest(input.answer), outcome: outcomeLabel(input.outcome), at: input.at.getTime() });
}

export type ReceiptCheck = { valid: true; claims: ReceiptClaims } | { valid: false; reason: 'forged' | 'expired' | 'future' | 'other-answer' };

/** Checks a receipt against the answer it came with; `now` in epoch ms. Constant-time signature compare. */
export function verifyReceipt(key: Buffer, receipt: string, answer: Answer, now: number): ReceiptCheck {
  const [body = '', signature = '', extra] = receipt.split('.');
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, body);
  // Canonical base64url only (no padding, no stray bits), and a constant-time compare.
  if (extra !== undefined || given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) return { valid: false, reason: 'forged' };
  // Signed by us, so well-formed: the server only ever signs ReceiptClaims.
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ReceiptClaims;
  if (claims.at > now + 60_000) return { valid: false, reason: 'future' };
  if (claims.at < now - RECEIPT_MAX_AGE_MS) return { valid: false, reason: 'expired' };
  if (claims.answer !== answerDigest(answer)) return { valid: false, reason: 'other-answer' };
  return { valid: true, claims };
}
