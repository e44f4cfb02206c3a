import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalFailure, type Store } from './client';
import * as keys from './keys';
import { tableSchema } from './schema';

/**
 * Single use of anonymous-answer receipts: the first learner to merge a receipt claims it with a
 * conditional put; the same learner may present it again (a merge retried after a partial failure,
 * which the attempt's own id keeps from recording twice), anyone else is refused. The claim expires
 * (TTL) when the receipt itself would be refused as expired, so it never outlives its use. The owner
 * is stored as a hash of the sub: the claim holds no identity that account deletion would have to find.
 */
const ownerOf = (sub: string) => createHash('sha256').update(`receipt-owner:${sub}`).digest('base64url');

export async function claimReceipt(store: Store, receiptId: string, sub: string, expiresAtSeconds: number): Promise<boolean> {
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...keys.receipt(receiptId), type: 'receipt', owner: ownerOf(sub), [tableSchema.timeToLiveAttribute]: expiresAtSeconds },
        ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': ownerOf(sub) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}
