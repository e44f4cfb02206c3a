import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { Store } from './client';

/** Every item of one partition whose sort key starts with a prefix, across pages. */
export async function queryPrefix(store: Store, prefix: { pk: string; sk: string }, { consistent = false }: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: store.doc },
    {
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
      ...(consistent ? { ConsistentRead: true } : {}),
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}
