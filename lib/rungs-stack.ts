import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import { Api } from './constructs/api';
import { ContentPipeline } from './constructs/content-pipeline';
import { DataTable } from './constructs/data-table';
import { Site } from './constructs/site';

export interface RungsStackProps extends StackProps {
  config: StageConfig;
}

/** One stage of the platform: table, API, site and content pipeline, wired together. */
export class RungsStack extends Stack {
  readonly data: DataTable;
  readonly api: Api;
  readonly site: Site;
  readonly content: ContentPipeline;

  constructor(scope: Construct, id: string, props: RungsStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.data = new DataTable(this, 'Data', { removalPolicy: config.removalPolicy, deletionProtection: config.deletionProtection });
    this.api = new Api(this, 'Api', { config, table: this.data.table });
    this.site = new Site(this, 'Site', { config, httpApi: this.api.httpApi });
    this.content = new ContentPipeline(this, 'Content', {
      config,
      table: this.data.table,
      siteBucket: this.site.bucket,
      logBucket: this.site.logBucket,
      distribution: this.site.distribution,
    });

    new CfnOutput(this, 'SiteUrl', { value: `https://${this.site.distribution.distributionDomainName}` });
    new CfnOutput(this, 'ContentBucketName', { value: this.content.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
  }
}
