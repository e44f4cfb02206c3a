import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from './batch';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';
import { tableSchema } from './schema';

/**
 * Session families and "sign out everywhere".
 *
 * A family is one sign-in: its record (USER#<sub> / SESSION#<id>) holds the current rotation
 * `generation`; the sealed cookie holds the same number. A refresh claims the next generation with a
 * conditional update, so a cookie that carries an older generation has presented a refresh token
 * that was already used: reuse, and the family is deleted. No record, no session: signing out,
 * signing out everywhere and deleting the account all end families by deleting their records.
 *
 * Refusing the access tokens issued before "sign out everywhere" is the limiter's part
 * (`lambdas/ratelimit/revocation.ts`): `revokedBefore` rides on its items.
 */

export interface SessionFamily {
  sub: string;
  familyId: string;
  generation: number;
  started: number;
  seen: number;
}

export async function createFamily(store: Store, family: SessionFamily, expiresAt: number): Promise<void> {
  await store.doc.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { ...keys.session(family.sub, family.familyId), type: 'session', generation: family.generation, started: family.started, seen: family.seen, [tableSchema.timeToLiveAttribute]: expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export type Claim = { claimed: true } | { claimed: false; reason: 'ended' | 'reused' };

/**
 * Moves the family from `generation` to `generation + 1` and marks the move with `claimId` (a
 * rotation in flight); tells an ended family from a reused token. The rotation counts only once
 * `commitGeneration` finds the same mark on a family that still exists.
 */
export async function claimGeneration(store: Store, sub: string, familyId: string, generation: number, now: number, claimId: string): Promise<Claim> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.session(sub, familyId),
        UpdateExpression: 'SET generation = :next, seen = :now, rotation = :claim',
        ConditionExpression: 'generation = :generation',
        ExpressionAttributeValues: { ':generation': generation, ':next': generation + 1, ':now': now, ':claim': claimId },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
    // The item as it was (ReturnValuesOnConditionCheckFailure), in DynamoDB's attribute-value form.
    const current = (error as { Item?: Record<string, { N?: string }> }).Item?.generation?.N;
    return { claimed: false, reason: current !== undefined && Number(current) > generation ? 'reused' : 'ended' };
  }
}

/**
 * Completes a rotation after the issuer answered: only if the family still exists and still carries
 * this rotation's mark. "Sign out everywhere", sign-out, reuse detection and account deletion delete
 * the record, so a refresh that was in flight while they ran cannot hand out what the issuer minted
 * meanwhile (false: the caller revokes it and answers 401).
 */
export async function commitGeneration(store: Store, sub: string, familyId: string, generation: number, claimId: string): Promise<boolean> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.session(sub, familyId),
        UpdateExpression: 'REMOVE rotation',
        ConditionExpression: 'generation = :next AND rotation = :claim',
        ExpressionAttributeValues: { ':next': generation + 1, ':claim': claimId },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

/** Gives a claimed generation back when the issuer could not be asked (nothing rotated there). */
export async function releaseGeneration(store: Store, sub: string, familyId: string, generation: number, claimId: string): Promise<void> {
  await store.doc
    .send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.session(sub, familyId),
        UpdateExpression: 'SET generation = :generation REMOVE rotation',
        ConditionExpression: 'generation = :next AND rotation = :claim',
        ExpressionAttributeValues: { ':generation': generation, ':next': generation + 1, ':claim': claimId },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionalFailure(error)) throw error;
    });
}

export async function endFamily(store: Store, sub: string, familyId: string): Promise<void> {
  await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: keys.session(sub, familyId) }));
}

/** Deletes every session family of the learner; returns how many there were. */
export async function endAllFamilies(store: Store, sub: string): Promise<number> {
  const prefix = keys.sessionPrefix(sub);
  let ended = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = page.Items ?? [];
    // Unprocessed deletes are sent again a bounded number of times (batch.ts), then the call fails.
    await batchWrite(store, items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
    ended += items.length;
    start = page.LastEvaluatedKey;
  } while (start);
  return ended;
}
