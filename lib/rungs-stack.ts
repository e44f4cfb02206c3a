import { Aspects, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import { Api } from './constructs/api';
import { ContentPipeline } from './constructs/content-pipeline';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ContentPublisher } from './constructs/content-publisher';
import { DataTable } from './constructs/data-table';
import { Identity } from './constructs/identity';
import { ItemStatistics } from './constructs/item-statistics';
import { FsrsOptimizer } from './constructs/optimizer';
import { metricsEnvironment, Observability } from './constructs/observability';
import { OriginVerify } from './constructs/origin-verify';
import { Site } from './constructs/site';
import { LogRetention } from './log-retention';
import { SITE_ASSETS_ENV } from '../lambdas/render';

export interface RungsStackProps extends StackProps {
  config: StageConfig;
}

/** One stage of the platform: table, identity, API, site, content pipeline and alarms, wired together. */
export class RungsStack extends Stack {
  readonly data: DataTable;
  readonly identity: Identity;
  readonly originVerify: OriginVerify;
  readonly api: Api;
  readonly site: Site;
  readonly content: ContentPipeline;
  readonly publisher: ContentPublisher;
  readonly observability: Observability;
  readonly itemStatistics: ItemStatistics;
  readonly fsrsOptimizer: FsrsOptimizer;

  constructor(scope: Construct, id: string, props: RungsStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.data = new DataTable(this, 'Data', { removalPolicy: config.removalPolicy, deletionProtection: config.deletionProtection });
    this.identity = new Identity(this, 'Identity', { config });
    this.originVerify = new OriginVerify(this, 'OriginVerify', { removalPolicy: config.removalPolicy });
    this.api = new Api(this, 'Api', {
      config,
      table: this.data.table,
      environment: {
        ...this.identity.apiEnvironment,
        ...metricsEnvironment('api', config.stage),
        ...this.originVerify.secretArnEnvironment,
      },
      ...(this.identity.userPool ? { userPool: this.identity.userPool } : {}),
    });
    for (const fn of Object.values(this.api.functions)) this.originVerify.grantRead(fn);
    this.site = new Site(this, 'Site', {
      config,
      httpApi: this.api.httpApi,
      connectOrigins: this.identity.browserOrigins,
      siteConfig: this.identity.siteConfig,
      originVerifyHeader: this.originVerify.value,
    });
    for (const origin of this.site.origins) this.identity.addSiteOrigin(origin);
    const rotation = this.originVerify.enableRotation({ distribution: this.site.distribution, logRetention: config.logRetention });
    this.content = new ContentPipeline(this, 'Content', {
      config,
      table: this.data.table,
      siteBucket: this.site.bucket,
      logBucket: this.site.logBucket,
      distribution: this.site.distribution,
    });
    // Pages rendered by ingest link the hashed asset names of this deployment's site build.
    this.content.ingestFunction.addEnvironment(SITE_ASSETS_ENV, JSON.stringify(this.site.assetManifest));
    for (const [name, value] of Object.entries(metricsEnvironment('ingest', config.stage))) {
      this.content.ingestFunction.addEnvironment(name, value);
    }
    this.publisher = new ContentPublisher(this, 'Publisher', { contentBucket: this.content.bucket });
    this.itemStatistics = new ItemStatistics(this, 'ItemStatistics', { config, table: this.data.table });
    this.fsrsOptimizer = new FsrsOptimizer(this, 'FsrsOptimizer', { config, table: this.data.table, streamArn: this.data.table.tableStreamArn! });
    this.observability = new Observability(this, 'Observability', {
      config,
      httpApi: this.api.httpApi,
      table: this.data.table,
      apiFunctions: Object.values(this.api.functions),
      ingestFunction: this.content.ingestFunction,
      distribution: this.site.distribution,
      siteUrl: this.site.origins.at(-1)!,
      otherFunctions: [rotation, this.itemStatistics.aggregator],
    });
    // The dead-letter alarm sits beside its queue; it notifies the same topic as every other alarm.
    this.content.deadLetterAlarm.addAlarmAction(new SnsAction(this.observability.topic));
    this.content.deadLetterAlarm.addOkAction(new SnsAction(this.observability.topic));
    this.itemStatistics.deadLetterAlarm.addAlarmAction(new SnsAction(this.observability.topic));
    this.itemStatistics.deadLetterAlarm.addOkAction(new SnsAction(this.observability.topic));
    this.fsrsOptimizer.deadLetterAlarm.addAlarmAction(new SnsAction(this.observability.topic));
    this.fsrsOptimizer.deadLetterAlarm.addOkAction(new SnsAction(this.observability.topic));
    Aspects.of(this).add(new LogRetention(config.logRetention, config.removalPolicy));

    new CfnOutput(this, 'SiteUrl', { value: this.site.origins.at(-1)! });
    new CfnOutput(this, 'DistributionId', { value: this.site.distribution.distributionId });
    new CfnOutput(this, 'ContentBucketName', { value: this.content.bucket.bucketName });
    new CfnOutput(this, 'ContentPublisherRoleArn', { value: this.publisher.role.roleArn });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    if (this.identity.userPool) new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
  }
}

