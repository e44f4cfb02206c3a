import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';

/**
 * One item coordinates the ingests that render the catalog-wide pages (home, catalog.json, concept
 * index) and the neighbours of changed lessons:
 * - `inflight`: the ingests between their first and their last table write (`<startedAt ms>|<token>`),
 *   so an ingest that finishes while another is still writing can leave rendering to that one;
 * - `dirty` / `dirtySince`: set by an ingest whose table writes changed the catalog, cleared by the
 *   render pass that saw those writes;
 * - a lease, so that one render pass runs at a time (expiring, so a crashed pass never blocks);
 * - `catalogHash`: what the catalog-wide pages were last rendered from.
 */
export interface SiteState {
  inflight: { token: string; startedAt: number }[];
  dirty?: string;
  dirtySince?: number;
  leaseOwner?: string;
  leaseUntil?: number;
  catalogHash?: string;
}

export async function readSiteState(store: Store): Promise<SiteState> {
  const result = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.siteState(), ConsistentRead: true }));
  const item = result.Item ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const number = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const inflight = item.inflight instanceof Set ? [...(item.inflight as Set<string>)] : [];
  const state: SiteState = {
    inflight: inflight.map((entry) => {
      const [startedAt = '0', token = ''] = entry.split('|');
      return { token, startedAt: Number(startedAt) };
    }),
  };
  for (const [name, value] of [
    ['dirty', text(item.dirty)],
    ['leaseOwner', text(item.leaseOwner)],
    ['catalogHash', text(item.catalogHash)],
  ] as const) if (value !== undefined) state[name] = value;
  const dirtySince = number(item.dirtySince);
  const leaseUntil = number(item.leaseUntil);
  if (dirtySince !== undefined) state.dirtySince = dirtySince;
  if (leaseUntil !== undefined) state.leaseUntil = leaseUntil;
  return state;
}

const inflightEntry = (token: string, startedAt: number) => new Set([`${startedAt}|${token}`]);

/** Registers an ingest that is about to write the table. */
export async function startWriting(store: Store, token: string, startedAt: number): Promise<void> {
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: keys.siteState(),
      UpdateExpression: 'ADD inflight :entry',
      ExpressionAttributeValues: { ':entry': inflightEntry(token, startedAt) },
    }),
  );
}

/**
 * Ends an ingest's table writes (if `startedAt` says it registered) and, with `dirty`, marks the
 * catalog as changed in ways the pages do not show yet, in one write.
 */
export async function finishWriting(store: Store, token: string, now: number, startedAt: number | undefined, dirty: boolean): Promise<void> {
  const set = dirty ? ['dirty = :t', 'dirtySince = if_not_exists(dirtySince, :now)'] : [];
  const expression = [set.length > 0 ? `SET ${set.join(', ')}` : '', startedAt !== undefined ? 'DELETE inflight :entry' : ''].filter(Boolean).join(' ');
  if (!expression) return;
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: keys.siteState(),
      UpdateExpression: expression,
      ExpressionAttributeValues: {
        ...(dirty ? { ':t': token, ':now': now } : {}),
        ...(startedAt !== undefined ? { ':entry': inflightEntry(token, startedAt) } : {}),
      },
    }),
  );
}

/** Takes the render lease if it is free or expired. */
export async function acquireRenderLease(store: Store, owner: string, now: number, durationMs: number): Promise<boolean> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.siteState(),
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :until',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeValues: { ':o': owner, ':until': now + durationMs, ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

export async function recordCatalogHash(store: Store, owner: string, catalogHash: string): Promise<void> {
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: keys.siteState(),
      UpdateExpression: 'SET catalogHash = :h',
      ConditionExpression: 'leaseOwner = :o',
      ExpressionAttributeValues: { ':h': catalogHash, ':o': owner },
    }),
  );
}

/**
 * Gives the lease back after a pass that saw every write up to the touch `sawDirty`: the state is
 * clean unless another ingest touched it since, in which case nothing changes and the caller, still
 * holding the lease, renders again. Returns whether the lease was released.
 */
export async function releaseRenderLease(store: Store, owner: string, sawDirty: string | undefined): Promise<boolean> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.siteState(),
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil, dirty, dirtySince',
        ConditionExpression: sawDirty === undefined ? 'leaseOwner = :o AND attribute_not_exists(dirty)' : 'leaseOwner = :o AND (attribute_not_exists(dirty) OR dirty = :d)',
        ExpressionAttributeValues: sawDirty === undefined ? { ':o': owner } : { ':o': owner, ':d': sawDirty },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

/** Gives the lease back leaving the state dirty (a pass failed, or ran out of passes): the next ingest renders. */
export async function abandonRenderLease(store: Store, owner: string): Promise<void> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: keys.siteState(),
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :o',
        ExpressionAttributeValues: { ':o': owner },
      }),
    );
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
  }
}
