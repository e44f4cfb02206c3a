import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app';
import { tableSchema } from '../../lambdas/store/schema';

const outdirs: string[] = [];

/** Synthesizes a stage without bundling, into a temporary folder removed after the tests. */
function synth(stage: 'dev' | 'prod') {
  const outdir = mkdtempSync(join(tmpdir(), 'rungs-cdk-'));
  outdirs.push(outdir);
  const { app, stack } = buildApp({ outdir, context: { stage, 'aws:cdk:bundling-stacks': [] } });
  const assembly = app.synth();
  return { stack, template: Template.fromStack(stack), assembly };
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

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
    expect(Object.keys(functions).length).toBe(3);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], LoggingConfig: { LogGroup: expect.anything() } });
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
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/api/*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: Match.arrayWith(['PUT', 'POST', 'DELETE']),
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
          }),
        ],
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
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /api/health' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /api/catalog' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('invokes the ingest function when an object is created in the content bucket', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [Match.objectLike({ Events: ['s3:ObjectCreated:*'] })],
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  });

  it('gives read-only API functions no write access to the table', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    // Each function's rate-limit policy (UpdateItem on RATE# keys only) is asserted in rate-limit-edge.test.ts.
    const apiPolicies = Object.entries(policies).filter(([id]) => /Api(System|Catalog)Function/.test(id) && !/RateLimitState/.test(id));
    expect(apiPolicies.length).toBe(2);
    for (const [, policy] of apiPolicies) {
      const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
      expect(actions.some((a: string) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toBe(false);
    }
  });

  it('hard-codes no resource names or account ids', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/"(TableName|BucketName|FunctionName)":\s*"/);
    expect(json).not.toMatch(/\b\d{12}\b/);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-'));
    expect(errors).toEqual([]);
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
    const outdir = mkdtempSync(join(tmpdir(), 'rungs-cdk-'));
    outdirs.push(outdir);
    expect(() => buildApp({ outdir, context: { stage: 'staging' } })).toThrow(/Unknown stage "staging"/);
  });
});
