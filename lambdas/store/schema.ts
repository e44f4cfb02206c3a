/**
 * The single table's key schema and indexes, declared once.
 * The CDK construct (lib/) and the local platform (bin/local.ts) both build the table from this.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'ttl',
  /** The table's stream carries new images: the statistics aggregator counts attempts from it. */
  streamViewType: 'NEW_IMAGE',
  globalSecondaryIndexes: [
    {
      // Overloaded index: the lesson catalog today (pk CATALOG, sk ordered by track/unit/order).
      indexName: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
    },
    {
      // Per-learner review queue: pk DUE#<sub>, sk ordered by due time (served by a query, never a scan).
      indexName: 'gsi2',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
    },
  ],
} as const;

export type IndexName = (typeof tableSchema.globalSecondaryIndexes)[number]['indexName'];

/** All key attributes are strings. */
export const keyAttributeNames: readonly string[] = [
  tableSchema.partitionKey,
  tableSchema.sortKey,
  ...tableSchema.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];
