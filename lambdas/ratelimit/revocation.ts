import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from '../store/client';
import * as keys from '../store/keys';
import { tableSchema } from '../store/schema';
import { compiledPolicySets } from './config';

/**
 * "Sign out everywhere" lives on the limiter's items: every request of a signed-in caller already
 * writes one of them (dynamo.ts), and that write refuses a token issued before the item's
 * `revokedBefore`, so revocation costs no call of its own.
 */

/**
 * Refuses, from the next request on, every access token of the learner issued before `at` (epoch
 * seconds): sets `revokedBefore` on the learner's rate-limit item of every policy set. The item must
 * outlive every access token issued before `at` (≤ 1 h): two days of TTL from `at`; a later limiter
 * write sets it a day past its own time, which is still past the expiry of every such token.
 */
export async function revokeTokensBefore(store: Store, sub: string, at: number, options: { ttlSeconds?: number } = {}): Promise<void> {
  const ttl = at + (options.ttlSeconds ?? 2 * 86_400);
  await Promise.all(
    Object.keys(compiledPolicySets).map((policySet) =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: keys.rateLimit(keys.rateLimitSubject.user(sub), policySet),
          UpdateExpression: 'SET #revoked = :at, #ttl = :ttl',
          ExpressionAttributeNames: { '#revoked': keys.revokedBefore, '#ttl': tableSchema.timeToLiveAttribute },
          ExpressionAttributeValues: { ':at': at, ':ttl': ttl },
        }),
      ),
    ),
  );
}
