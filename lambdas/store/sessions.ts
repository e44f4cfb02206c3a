import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
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
 * that was already used: reuse, and the family is deleted — except the one just before the record's,
 * presented again shortly after its rotation while its successor is unused (an answer lost on the
 * way; lambdas/session/service.ts replays it, once per cookie). No record, no session: signing out,
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

/** What a refresh that could not claim finds in the family record (undefined: the family ended). */
export interface FamilyState {
  generation: number;
  /** A rotation in flight: its mark and when it was claimed (epoch seconds; absent on a mark written before claims carried it). */
  rotation?: { id: string; at?: number };
  /** The sealed answer of the last committed rotation and when it was committed (epoch seconds); gone once its cookie is used. */
  successor?: { sealed: string; at: number };
  /** A generation whose cookie a replay handed out a second time: that cookie gets no replay itself. */
  duplicated?: number;
}

export type Claim = { claimed: true } | { claimed: false; family: FamilyState | undefined };

type Attribute = { N?: string; S?: string } | undefined;

/** The family record as ReturnValuesOnConditionCheckFailure gives it back (DynamoDB's attribute-value form), read plainly. */
const plain = (item: Record<string, Attribute> | undefined) =>
  item && Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value?.N !== undefined ? Number(value.N) : value?.S]));

function familyState(item: Record<string, unknown> | undefined): FamilyState | undefined {
  if (!item || typeof item.generation !== 'number') return undefined;
  const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
  const rotationAt = number(item.rotationAt);
  const duplicated = number(item.duplicated);
  return {
    generation: item.generation,
    ...(typeof item.rotation === 'string' ? { rotation: { id: item.rotation, ...(rotationAt !== undefined ? { at: rotationAt } : {}) } } : {}),
    ...(typeof item.successor === 'string' ? { successor: { sealed: item.successor, at: number(item.rotatedAt) ?? 0 } } : {}),
    ...(duplicated !== undefined ? { duplicated } : {}),
  };
}

/** The family record as it is now (a consistent read), for a refresh waiting on a rotation in flight. */
export async function readFamily(store: Store, sub: string, familyId: string): Promise<FamilyState | undefined> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.session(sub, familyId), ConsistentRead: true }));
  return familyState(result.Item);
}

/** A conditional update that reports a failed condition as false. */
async function conditionally(store: Store, update: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
  try {
    await store.doc.send(new UpdateCommand({ TableName: store.tableName, ...update }));
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

/**
 * Moves the family from `generation` to `generation + 1` and marks the move with `claimId` and the
 * time (a rotation in flight); the previous rotation's answer goes, since its cookie is being used.
 * The rotation counts only once `commitGeneration` finds the same mark on a family that still
 * exists. When the claim fails, the record as it was tells the caller why: no record (ended), a
 * rotation of this generation in flight or just committed, or a later generation.
 */
export async function claimGeneration(store: Store, sub: string, familyId: string, generation: number, now: number, claimId: string): Promise<Claim> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.session(sub, familyId),
        UpdateExpression: 'SET generation = :next, seen = :now, rotation = :claim, rotationAt = :now REMOVE successor, rotatedAt',
        ConditionExpression: 'generation = :generation',
        ExpressionAttributeValues: { ':generation': generation, ':next': generation + 1, ':now': now, ':claim': claimId },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
    return { claimed: false, family: familyState(plain((error as { Item?: Record<string, Attribute> }).Item)) };
  }
}

/** Gives a mark written without its time (by an earlier version) the time it was first seen, so it can age. */
export const stampRotation = (store: Store, sub: string, familyId: string, claimId: string, now: number) =>
  conditionally(store, {
    Key: keys.session(sub, familyId),
    UpdateExpression: 'SET rotationAt = :now',
    ConditionExpression: 'rotation = :claim AND attribute_not_exists(rotationAt)',
    ExpressionAttributeValues: { ':claim': claimId, ':now': now },
  });

/**
 * Takes over a rotation whose function stopped before committing or giving it back (its mark is
 * older than any function can run): the mark becomes `claimId`, as if this refresh had claimed.
 * False when the mark changed meanwhile (that rotation finished, or another refresh took it over).
 */
export const takeOverRotation = (store: Store, sub: string, familyId: string, generation: number, staleClaimId: string, now: number, claimId: string) =>
  conditionally(store, {
    Key: keys.session(sub, familyId),
    UpdateExpression: 'SET rotation = :claim, rotationAt = :now',
    ConditionExpression: 'generation = :next AND rotation = :stale',
    ExpressionAttributeValues: { ':next': generation + 1, ':stale': staleClaimId, ':claim': claimId, ':now': now },
  });

/**
 * Completes a rotation after the issuer answered: only if the family still exists and still carries
 * this rotation's mark. "Sign out everywhere", sign-out, reuse detection and account deletion delete
 * the record, so a refresh that was in flight while they ran cannot hand out what the issuer minted
 * meanwhile (false: the caller revokes it and answers 401). The record keeps `successor`, the
 * sealed answer, so the same cookie presented again shortly after (its answer was lost on the way)
 * can get that answer instead of reading as reuse; the next claim removes it.
 */
export const commitGeneration = (store: Store, sub: string, familyId: string, generation: number, claimId: string, successor: string, now: number) =>
  conditionally(store, {
    Key: keys.session(sub, familyId),
    UpdateExpression: 'SET successor = :successor, rotatedAt = :now REMOVE rotation, rotationAt',
    ConditionExpression: 'generation = :next AND rotation = :claim',
    ExpressionAttributeValues: { ':next': generation + 1, ':claim': claimId, ':successor': successor, ':now': now },
  });

/**
 * Records that the answer committed at `rotatedAt` is handed out again, to the cookie of
 * `generation`: only while that answer is still the record's and its cookie unused (no claim since).
 * False: it was used meanwhile, so handing it out again would serve a copy.
 */
export const markDuplicated = (store: Store, sub: string, familyId: string, generation: number, rotatedAt: number) =>
  conditionally(store, {
    Key: keys.session(sub, familyId),
    UpdateExpression: 'SET duplicated = :next',
    ConditionExpression: 'generation = :next AND attribute_not_exists(rotation) AND rotatedAt = :at',
    ExpressionAttributeValues: { ':next': generation + 1, ':at': rotatedAt },
  });

/** Gives a claimed generation back when the issuer could not be asked (nothing rotated there). */
export async function releaseGeneration(store: Store, sub: string, familyId: string, generation: number, claimId: string): Promise<void> {
  await conditionally(store, {
    Key: keys.session(sub, familyId),
    UpdateExpression: 'SET generation = :generation REMOVE rotation, rotationAt',
    ConditionExpression: 'generation = :next AND rotation = :claim',
    ExpressionAttributeValues: { ':generation': generation, ':next': generation + 1, ':claim': claimId },
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
