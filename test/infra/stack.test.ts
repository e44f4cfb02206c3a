import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableSchema } from '../../lambdas/store/schema';
import { allRoutes, apiFunctions, routeKey } from '../../lambdas/api/routes';
import { nagErrors, synthesizer, templateJsonWithoutAwsLayerMap } from '../support/synth';

const synthesize = synthesizer();
const synth = (stage: 'dev' | 'prod') => synthesize({ stage });

describe('dev stage', () => {
  let template: Template;
  let stack: ReturnType<typeof synth>['stack'];

  beforeAll(() => {
    ({ template, stack } = synth('dev'));
  });

  it('builds the table from the shared key schema: on-demand, PITR, TTL, catalog index', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      GlobalSecondaryIndexes: tableSchema.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
    });
  });

  it('runs every application function on Node.js 24, ARM64, with its own log group', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { TABLE_NAME: Match.anyValue() } } },
    });
    // One per API function, plus content ingest, the item statistics aggregator and the FSRS optimizer.
    expect(Object.keys(functions).length).toBe(Object.keys(apiFunctions).length + 3);
    for (const [id, fn] of Object.entries(functions)) {
      // The FSRS optimizer alone runs on x86_64: its native FSRS-rs 0.5.0 build exists for no ARM64 target.
      const architecture = id.startsWith('FsrsOptimizer') ? 'x86_64' : 'arm64';
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: [architecture], LoggingConfig: { LogGroup: expect.anything() } });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.every((lg) => typeof lg.Properties.RetentionInDays === 'number')).toBe(true);
  });

  it('serves the site bucket through Origin Access Control, HTTPS only', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: Match.arrayWith([Match.objectLike({ S3OriginConfig: { OriginAccessIdentity: '' }, OriginAccessControlId: Match.anyValue() })]),
      }),
    });
  });

  it('sends /api/* to the HTTP API on the same distribution, uncached, all methods', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({
            PathPattern: '/api/*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: Match.arrayWith(['PUT', 'POST', 'DELETE']),
            CachePolicyId: { Ref: Match.stringLikeRegexp('ApiCache') },
          }),
        ]),
        Origins: Match.arrayWith([
          Match.objectLike({
            DomainName: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('HttpApi') }, Match.stringLikeRegexp('execute-api')])] },
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only' }),
          }),
        ]),
      }),
    });
  });

  it('routes the declared API paths to Lambda integrations', () => {
    // Every route of the shared table, so that a route added there is checked here too.
    const declared = allRoutes().map(({ route }) => routeKey(route));
    for (const key of declared) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Route', declared.length);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('queues an ingest event when a lesson, metadata or figure file is created or removed, never for reports', () => {
    const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'));
    const configs = notifications.flatMap((n) => n.Properties.NotificationConfiguration.QueueConfigurations ?? []);
    const triggers = configs.map((c: { Events: string[]; Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }) => `${c.Events.join()} ${c.Filter.Key.FilterRules.map((r) => r.Value).join()}`);
    const suffixes = ['.md', '.png', '.svg', '.webp', '.yaml'];
    expect(triggers.sort()).toEqual([...suffixes.map((s) => `s3:ObjectCreated:* ${s}`), ...suffixes.map((s) => `s3:ObjectRemoved:* ${s}`)]);
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  });

  it('lets writing API functions write only the partitions they declare (a learner\'s own data and merged receipts, never a lesson\'s)', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const writeStatements = (pattern: RegExp) =>
      Object.entries(policies)
        .filter(([id]) => pattern.test(id))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: Record<string, Record<string, string[]>> }[])
        .filter((s) => [s.Action].flat().some((a) => /dynamodb:(Put|Update|Delete|BatchWrite)Item/.test(a)) && !JSON.stringify(s.Condition ?? {}).includes('"RATE#*"'));
    const leadingKeys = (pattern: RegExp) => writeStatements(pattern).map((s) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']);
    // Account deletion also removes the learner's own rate-limit items, and no one else's.
    expect(leadingKeys(/ApiAccountFunction/)).toEqual([['USER#*', 'RATE#user:*']]);
    expect(leadingKeys(/ApiProgressFunction/)).toEqual([['USER#*']]);
    expect(leadingKeys(/ApiAttemptsFunction/)).toEqual([['USER#*', 'RECEIPT#*']]);
    expect(leadingKeys(/ApiReviewsFunction/)).toEqual([['USER#*']]);
  });

  it('grants each writing API function only the write actions it declares', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const actionsOf = (pattern: RegExp) =>
      Object.entries(policies)
        .filter(([id]) => pattern.test(id) && !/RateLimitState/.test(id))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat())) as string[];
    const writes = (actions: string[]) => actions.filter((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)).sort();
    expect(writes(actionsOf(/ApiProgressFunction/))).toEqual(['dynamodb:PutItem']);
    // Deletion (BatchWriteItem) and settings, saved field by field so an optimizer's parameters stay (UpdateItem).
    expect(writes(actionsOf(/ApiAccountFunction/))).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem']);
    expect(writes(actionsOf(/ApiAttemptsFunction/))).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(actionsOf(/ApiProgressFunction/)).toContain('dynamodb:Query');
  });

  it('lets ingest delete pages, write reports only under reports/ and invalidate its own distribution', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => /ContentIngestFunction/.test(id));
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement) as { Action: string | string[]; Resource: unknown }[];
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:DeleteObject', 'cloudfront:CreateInvalidation', 's3:ListBucket']));
    const reportStatement = statements.find((s) => JSON.stringify(s.Resource).includes('/reports/*'));
    expect(reportStatement?.Action).toBe('s3:PutObject');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DISTRIBUTION_ID: Match.anyValue(), CONTENT_BUCKET: Match.anyValue(), SITE_BUCKET: Match.anyValue() }) },
    });
  });

  it('gives read-only API functions no write access to the table', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    // Each function's rate-limit policy (UpdateItem on RATE# keys only) is asserted in rate-limit-edge.test.ts.
    const apiPolicies = Object.entries(policies).filter(([id]) => /Api(System|Catalog|AuthorStats)Function/.test(id) && !/RateLimitState/.test(id));
    expect(apiPolicies.length).toBe(3);
    for (const [, policy] of apiPolicies) {
      const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
      expect(actions.some((a: string) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toBe(false);
    }
  });

  it('hard-codes no resource names or account ids', () => {
    const json = templateJsonWithoutAwsLayerMap(template);
    expect(json).not.toMatch(/"(TableName|BucketName|FunctionName)":\s*"/);
    expect(json).not.toMatch(/\b\d{12}\b/);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    expect(nagErrors(stack)).toEqual([]);
  });

  it('deletes everything with the stack in dev', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });
});

describe('prod stage', () => {
  it('retains the table and turns on deletion protection', () => {
    const { template } = synth('prod');
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('refuses an unknown stage', () => {
    expect(() => synthesize({ stage: 'staging' })).toThrow(/Unknown stage "staging"/);
  });
});
