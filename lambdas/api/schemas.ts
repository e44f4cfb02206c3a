import * as z from '../domain/zod';
import { answerSchema } from '../domain/grading';
import { RECEIPT_MAX_LENGTH } from '../domain/receipt';

/**
 * The request schemas of the API's routes (bodies, path parameters, queries), in one module so that
 * their validation messages are tested without a handler's middleware chain.
 */

export const slugSchema = z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/), z.maxLength(100));

/**
 * POST /api/lessons/{id}/attempts. `previous`: without a session, the receipt of the page's last
 * anonymous answer to the same card (receipts chain per visit, see lambdas/domain/receipt.ts).
 */
export const attemptBodySchema = z.strictObject({ itemId: slugSchema, answer: answerSchema, previous: z.optional(z.string().check(z.maxLength(RECEIPT_MAX_LENGTH))) });

/**
 * A card is named `<lessonId>.<cardItem>` (slugs never contain a dot); a recall prompt's card item
 * is `<item>--<prompt>` (see lambdas/domain/cards.ts).
 */
const cardItemSchema = z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)?$/), z.maxLength(201));
export const cardIdSchema = z.pipe(
  z.pipe(
    z.string().check(z.maxLength(302)),
    z.transform((value: string) => value.split('.')),
  ),
  z.tuple([slugSchema, cardItemSchema]),
);

/** GET /api/me/reviews?due=now|<ISO datetime>&limit=<1..100> */
export const reviewsQuerySchema = z.strictObject({
  due: z._default(z.union([z.literal('now'), z.isoDatetime()]), 'now'),
  limit: z._default(z.coerceNumber().check(z.int(), z.minimum(1), z.maximum(100)), 50),
});

/** POST /api/me/reviews/{itemId} */
export const reviewBodySchema = z.strictObject({ answer: answerSchema });
