import { UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { isConditionalFailure } from '../store/client';
import * as keys from '../store/keys';
import { tableSchema } from '../store/schema';
import { callDeadline, type LimiterStore } from './store';
import type { Branch, Tats } from './gcra';
import type { CompiledPolicy } from './policy';

/**
 * One conditional UpdateItem that spends a request's cost on every policy of a set at once, or on
 * none. Update expressions have no max(), so each policy takes one of two branches:
 *   busy: TAT absent or in (now, now + capacity − cost]  →  SET tat = if_not_exists(tat, now) + cost
 *   idle: TAT absent or ≤ now                           →  SET tat = now + cost
 * Both accept a key never seen, so only a TAT on the other side of now makes a prediction wrong.
 * The caller predicts the branches; a wrong prediction or a spent quota fails the condition, and
 * DynamoDB returns the item as it was (ReturnValuesOnConditionCheckFailure=ALL_OLD), so the caller
 * can decide or retry without a read.
 *
 * Every write also records its decision id (`lastDecision`), so that a write whose answer never
 * arrived (timeout) can be taken back exactly by `refundCommand`, and only if nothing has been
 * written since.
 *
 * Sessions ride on the same write: with `issuedAt`, the condition also requires the subject's
 * `revokedBefore` (set by "sign out everywhere") to be at most the token's `iat`, and a failed
 * condition is told apart from a spent quota by the ALL_OLD item (`revoked`). That is the one extra
 * condition this write knows; there is no general hook for more.
 */

export interface SpendRequest {
  subject: string;
  policySet: string;
  policies: readonly CompiledPolicy[];
  weight: number;
  now: number;
  branches: Readonly<Record<string, Branch>>;
  /** Unique per write attempt; stored as `lastDecision` so that the write can be refunded. */
  decisionId: string;
  /** Sessions: see LimitRequest.issuedAt (a token issued before the subject's revokedBefore spends nothing). */
  issuedAt?: number;
}

/** The attribute holding the id of the item's last write. */
export const DECISION_ATTRIBUTE = 'lastDecision';

export type SpendResult = { spent: true; tats: Tats } | { spent: false; old: Tats; revoked?: true };

const num = (n: number): AttributeValue => ({ N: String(n) });

export function spendCommand(store: LimiterStore, request: SpendRequest): UpdateItemCommand {
  const { policies, weight, now, branches } = request;
  const names: Record<string, string> = { '#ttl': tableSchema.timeToLiveAttribute, '#dec': DECISION_ATTRIBUTE };
  const values: Record<string, AttributeValue> = { ':now': num(now), ':dec': { S: request.decisionId } };
  const conditions: string[] = [];
  const sets: string[] = [];
  policies.forEach((policy, i) => {
    const attr = `#p${i}`;
    const cost = weight * policy.emissionMs;
    names[attr] = keys.rateLimitTat(policy.name);
    if (branches[policy.name] === 'busy') {
      values[`:c${i}`] = num(cost);
      values[`:h${i}`] = num(now + policy.capacityMs - cost);
      conditions.push(`(attribute_not_exists(${attr}) OR (${attr} > :now AND ${attr} <= :h${i}))`);
      sets.push(`${attr} = if_not_exists(${attr}, :now) + :c${i}`);
    } else {
      values[`:n${i}`] = num(now + cost);
      conditions.push(`(attribute_not_exists(${attr}) OR ${attr} <= :now)`);
      sets.push(`${attr} = :n${i}`);
    }
  });
  // Expiry only tidies: after the longest capacity every TAT is in the past, which reads as "idle"
  // whether or not TTL has deleted the item yet. A minute of margin covers clock differences.
  const horizonMs = Math.max(...policies.map((p) => p.capacityMs));
  values[':ttl'] = num(Math.ceil((now + horizonMs) / 1000) + 60);
  sets.push('#ttl = :ttl', '#dec = :dec');
  // Sessions: tokens issued before the subject's revokedBefore are refused in the same write.
  if (request.issuedAt !== undefined) {
    names['#revoked'] = keys.revokedBefore;
    values[':iat'] = num(request.issuedAt);
    conditions.push('(attribute_not_exists(#revoked) OR #revoked <= :iat)');
  }
  const { pk, sk } = keys.rateLimit(request.subject, request.policySet);
  return new UpdateItemCommand({
    TableName: store.tableName,
    Key: { pk: { S: pk }, sk: { S: sk } },
    ConditionExpression: conditions.join(' AND '),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'UPDATED_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}

/** A write whose answer never arrived: it may or may not have been applied. */
export interface UncertainSpend {
  subject: string;
  policySet: string;
  policies: readonly CompiledPolicy[];
  weight: number;
  decisionId: string;
}

/**
 * Takes back an uncertain write: subtracts its cost from every TAT, but only if it was applied and
 * is still the item's last write (`lastDecision` = its id). Then the item is exactly what it would
 * be without that write (a busy write added the cost; an idle write set now + cost, and now is in
 * the past by the time of the refund, which reads as idle too), so a refund never admits more than
 * the policy allows. Marks the item with the refund's own id, so a repeated refund changes nothing.
 */
export function refundCommand(store: LimiterStore, spend: UncertainSpend, refundId: string): UpdateItemCommand {
  const names: Record<string, string> = { '#dec': DECISION_ATTRIBUTE };
  const values: Record<string, AttributeValue> = { ':pending': { S: spend.decisionId }, ':refund': { S: refundId } };
  const sets = spend.policies.map((policy, i) => {
    names[`#p${i}`] = keys.rateLimitTat(policy.name);
    values[`:c${i}`] = num(spend.weight * policy.emissionMs);
    return `#p${i} = #p${i} - :c${i}`;
  });
  const { pk, sk } = keys.rateLimit(spend.subject, spend.policySet);
  return new UpdateItemCommand({
    TableName: store.tableName,
    Key: { pk: { S: pk }, sk: { S: sk } },
    ConditionExpression: '#dec = :pending',
    UpdateExpression: `SET ${[...sets, '#dec = :refund'].join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
}

/** True when the uncertain write had been applied and is now taken back; false when there was nothing (left) to take back. */
export async function refund(store: LimiterStore, spend: UncertainSpend, refundId: string): Promise<boolean> {
  try {
    await store.client.send(refundCommand(store, spend, refundId), { abortSignal: callDeadline(store) });
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

function readTats(item: Record<string, AttributeValue> | undefined, policies: readonly CompiledPolicy[]): Tats {
  const tats: Record<string, number> = {};
  for (const policy of policies) {
    const value = item?.[keys.rateLimitTat(policy.name)]?.N;
    if (value !== undefined) tats[policy.name] = Number(value);
  }
  return tats;
}

export async function spend(store: LimiterStore, request: SpendRequest): Promise<SpendResult> {
  try {
    const result = await store.client.send(spendCommand(store, request), { abortSignal: callDeadline(store) });
    return { spent: true, tats: readTats(result.Attributes, request.policies) };
  } catch (error) {
    if (isConditionalFailure(error)) {
      // The item as it was (ReturnValuesOnConditionCheckFailure).
      const old = (error as { Item?: Record<string, AttributeValue> }).Item;
      const revokedBefore = old?.[keys.revokedBefore]?.N;
      const revoked = request.issuedAt !== undefined && revokedBefore !== undefined && Number(revokedBefore) > request.issuedAt;
      return { spent: false, old: readTats(old, request.policies), ...(revoked ? { revoked: true as const } : {}) };
    }
    throw error;
  }
}
