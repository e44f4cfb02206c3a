import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableSchema } from '../../lambdas/store/schema';

export interface DataTableProps {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  /** Any of CDK's own table props, applied last. */
  tableOverrides?: Partial<TablePropsV2>;
}

const stringKey = (name: string) => ({ name, type: AttributeType.STRING });

/**
 * The single DynamoDB table, built from the key schema in lambdas/store/schema.ts (the same schema
 * the local platform creates its table from): on-demand, point-in-time recovery, TTL, a
 * stream of new images (item statistics are counted from it).
 */
export class DataTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: DataTableProps) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: stringKey(tableSchema.partitionKey),
      sortKey: stringKey(tableSchema.sortKey),
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      dynamoStream: StreamViewType[tableSchema.streamViewType],
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
      globalSecondaryIndexes: tableSchema.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
      })),
      ...props.tableOverrides,
    });
  }
}
