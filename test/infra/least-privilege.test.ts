import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions, type ApiFunction } from '../../lambdas/api/routes';
import { fromRoot } from '../../lib/paths';
import { nagErrors, synthesizer } from '../support/synth';

const synth = synthesizer();

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };

/** Statements of the policies attached to roles whose logical id matches `role`. */
function statementsOfRoles(template: Template, role: RegExp): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => role.test(r.Ref)),
  );
  const inline = Object.entries(template.findResources('AWS::IAM::Role'))
    .filter(([id]) => role.test(id))
    .flatMap(([, r]) => (r.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => ({ Properties: { PolicyDocument: p.PolicyDocument } })));
  return [...policies, ...inline].flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actions = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

/** Role patterns of the API functions (logical ids follow Api's `<Name>Function` naming). */
function apiRoles(filter: (spec: ApiFunction) => boolean = () => true): RegExp[] {
  return Object.entries(apiFunctions as Record<string, ApiFunction>)
    .filter(([, spec]) => filter(spec))
    .map(([name]) => new RegExp(`^Api${name[0]!.toUpperCase()}${name.slice(1)}Function`));
}

describe('application roles', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'prod' }));
  });

  it('grant no wildcard action to the API, ingest and publisher roles', () => {
    for (const role of [...apiRoles(), /ContentIngestFunction/, /PublisherRole/]) {
      const granted = actions(statementsOfRoles(template, role));
      expect(granted.length, String(role)).toBeGreaterThan(0);
      expect(granted.filter((a) => a.includes('*')), String(role)).toEqual([]);
    }
  });

  it('give readers read actions only', () => {
    const readers = apiRoles((spec) => spec.tableAccess === 'read');
    expect(readers.length).toBeGreaterThanOrEqual(2);
    for (const role of readers) {
      // The rate limiter's own grant (UpdateItem on RATE# items only) is asserted in rate-limit-edge.test.ts.
      const statements = statementsOfRoles(template, role).filter((s) => !JSON.stringify(s.Condition ?? {}).includes('"RATE#*"'));
      const dynamo = actions(statements).filter((a) => a.startsWith('dynamodb:'));
      expect(dynamo.length).toBeGreaterThan(0);
      expect(dynamo.filter((a) => !/^dynamodb:(Get|BatchGet|Query|Scan|Describe|ConditionCheck)/.test(a))).toEqual([]);
    }
  });

  it('let the content publisher upload lessons and read stack outputs, nothing more', () => {
    expect(actions(statementsOfRoles(template, /PublisherRole/)).sort()).toEqual(['cloudformation:DescribeStacks', 's3:PutObject']);
    template.hasResourceProperties('AWS::IAM::Role', { Path: '/rungs/content-publisher/', MaxSessionDuration: 3600 });
  });
});

describe('buckets', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'prod' }));
  });

  it('block all public access and encrypt every bucket', () => {
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets.length).toBe(3);
    for (const bucket of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
  });

  it('refuse plain HTTP on every bucket', () => {
    const buckets = Object.keys(template.findResources('AWS::S3::Bucket'));
    for (const bucket of buckets) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('version the content bucket', () => {
    const versioned = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }));
    expect(versioned).toEqual([expect.stringMatching(/^ContentBucket/)]);
  });
});

describe('stages', () => {
  it('retain data and protect it from deletion in prod', () => {
    const { template } = synth({ stage: 'prod' });
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::GlobalTable', 'AWS::Cognito::UserPool', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const r of resources) expect(r.DeletionPolicy, type).toBe('Retain');
    }
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('delete everything with the stack in dev', () => {
    const { template } = synth({ stage: 'dev' });
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::GlobalTable', 'AWS::Cognito::UserPool', 'AWS::SecretsManager::Secret']) {
      for (const r of Object.values(template.findResources(type))) expect(r.DeletionPolicy, type).toBe('Delete');
    }
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
  });

  it('leave no cdk-nag finding unacknowledged in prod', () => {
    const { stack } = synth({ stage: 'prod', alarmEmail: 'oncall@example.org' });
    expect(nagErrors(stack)).toEqual([]);
  });

  it('write no account id, region or secret value into the template', () => {
    const { template } = synth({ stage: 'prod' });
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/\b\d{12}\b/);
    expect(json).not.toMatch(/(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d/);
    expect(json).not.toMatch(/"SecretString"\s*:/);
  });
});

describe('the CDK execution policy of docs/deploy.md', () => {
  // CloudFormation resource namespace → IAM service prefix.
  const services: Record<string, string> = {
    ApiGatewayV2: 'apigateway',
    CloudFront: 'cloudfront',
    CloudWatch: 'cloudwatch',
    Cognito: 'cognito-idp',
    DynamoDB: 'dynamodb',
    Lambda: 'lambda',
    Logs: 'logs',
    S3: 's3',
    SecretsManager: 'secretsmanager',
    SNS: 'sns',
    SQS: 'sqs',
    WAFv2: 'wafv2',
  };

  it('covers every kind of resource the stacks create, and IAM only for Rungs roles and the GitHub provider', () => {
    const policy = JSON.parse(readFileSync(fromRoot('docs', 'cdk-execution-policy.json'), 'utf8')) as { Statement: Statement[] };
    const allowed = new Set(policy.Statement.flatMap((s) => [s.Action].flat()));
    const { template, ci } = synth({ stage: 'prod', ci: 'true', githubRepo: 'acme/rungs', domainName: 'learn.example.org', certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc' });
    const types = new Set([template, Template.fromStack(ci!)].flatMap((t) => Object.values(t.toJSON().Resources).map((r) => (r as { Type: string }).Type)));
    for (const type of types) {
      const [, namespace] = type.split('::');
      if (type.startsWith('Custom::') || namespace === 'CDK' || namespace === 'IAM') continue;
      expect(services[namespace!], type).toBeDefined();
      expect(allowed.has(`${services[namespace!]}:*`), type).toBe(true);
    }
    const iam = policy.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith('iam:')));
    for (const statement of iam) {
      for (const resource of [statement.Resource].flat() as string[]) {
        expect(resource).toMatch(/:role\/Rungs-\*$|:role\/rungs\/\*$|:oidc-provider\/token\.actions\.githubusercontent\.com$/);
      }
      expect([statement.Action].flat().filter((a) => /CreateUser|AccessKey|CreatePolicy|\*/.test(a))).toEqual([]);
    }
  });
});
