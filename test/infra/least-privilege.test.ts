import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { buildApp } from '../../lib/app';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions, type ApiFunction } from '../../lambdas/api/routes';
import * as keys from '../../lambdas/store/keys';
import { fromRoot } from '../../lib/paths';
import { nagErrors, synthesizer, templateJsonWithoutAwsLayerMap } from '../support/synth';

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

  it('grant queries on the indexes each function uses, each by its own ARN, and never on <table>/index/*', () => {
    const tableArn = (s: Statement) => JSON.stringify(s.Resource);
    expect(JSON.stringify(template.toJSON())).not.toContain('/index/*');
    for (const [name, spec] of Object.entries(apiFunctions as Record<string, ApiFunction>)) {
      const role = new RegExp(`^Api${name[0]!.toUpperCase()}${name.slice(1)}Function`);
      const granted = statementsOfRoles(template, role)
        .filter((s) => tableArn(s).includes('/index/'))
        .flatMap((s) => [s.Resource].flat().map((r) => /\/index\/(\w+)/.exec(JSON.stringify(r))?.[1]));
      expect(granted, name).toEqual([...(spec.tableReads.indexes ?? [])]);
    }
    const ingest = statementsOfRoles(template, /ContentIngestFunction/).filter((s) => tableArn(s).includes('/index/'));
    expect(ingest.map((s) => [s.Action].flat())).toEqual([['dynamodb:Query']]);
    expect(tableArn(ingest[0]!)).toContain(`/index/${keys.catalogIndex}`);
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

  it('leave no cdk-nag finding of the AwsSolutions, NIST 800-53 rev 5 and Serverless packs unacknowledged in prod', () => {
    const { stack } = synth({ stage: 'prod', alarmEmail: 'oncall@example.org' });
    expect(nagErrors(stack)).toEqual([]);
  });

  it('leave no cdk-nag finding of the three packs unacknowledged in dev and in the CI stack', () => {
    expect(nagErrors(synth({ stage: 'dev' }).stack)).toEqual([]);
    expect(nagErrors(synth({ ci: 'true', githubRepo: 'acme/rungs' }).ci!)).toEqual([]);
  });

  it('fails synth on a finding of each pack that nobody acknowledged', () => {
    // Prepare: unacknowledged constructs that only the NIST and Serverless packs object to.
    const outdir = mkdtempSync(join(tmpdir(), 'rungs-nag-'));
    const { app, stack } = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], stage: 'dev' } });
    new LogGroup(stack, 'NagProbeLogs');
    new Rule(stack, 'NagProbeRule', { schedule: Schedule.rate(Duration.hours(1)), targets: [new LambdaFunction(stack.observability.canary)] });

    // Act / Assess
    try {
      expect(() => app.synth()).toThrow(/NIST\.800\.53\.R5/);
      const report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
      expect(report).toContain('NIST.800.53.R5-CloudWatchLogGroupEncrypted');
      expect(report).toContain('Serverless-EventBusDLQ');
      expect(report).toContain('NagProbe');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('write no account id, region or secret value into the template', () => {
    const { template } = synth({ stage: 'prod' });
    const json = templateJsonWithoutAwsLayerMap(template);
    expect(json).not.toMatch(/\b\d{12}\b/);
    expect(json).not.toMatch(/(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d/);
    expect(json).not.toMatch(/"SecretString"\s*:/);
  });
});

describe('the CDK execution policy and permissions boundary of docs/deploy.md', () => {
  // CloudFormation resource namespace → IAM service prefix.
  const services: Record<string, string> = {
    ApiGatewayV2: 'apigateway',
    CloudFront: 'cloudfront',
    CloudWatch: 'cloudwatch',
    Cognito: 'cognito-idp',
    DynamoDB: 'dynamodb',
    Events: 'events',
    Lambda: 'lambda',
    Logs: 'logs',
    S3: 's3',
    SecretsManager: 'secretsmanager',
    SNS: 'sns',
    SQS: 'sqs',
    SSM: 'ssm',
    WAFv2: 'wafv2',
  };
  type Policy = { Statement: (Statement & { Sid: string })[] };
  const load = (name: string) => JSON.parse(readFileSync(fromRoot('docs', name), 'utf8')) as Policy;
  const policy = load('cdk-execution-policy.json');
  const boundary = load('cdk-permissions-boundary.json');
  const list = (value: unknown) => [value].flat() as string[];
  const allows = (p: Policy) => p.Statement.filter((st) => st.Effect === 'Allow');
  const boundaryArn = 'arn:aws:iam::*:policy/RungsPermissionsBoundary';
  const built = () =>
    synth({ stage: 'prod', ci: 'true', githubRepo: 'acme/rungs', domainName: 'learn.example.org', certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc' });

  it('covers every kind of resource the stacks create', () => {
    const allowed = allows(policy).flatMap((st) => list(st.Action));
    const { template, ci } = built();
    const types = new Set([template, Template.fromStack(ci!)].flatMap((t) => Object.values(t.toJSON().Resources).map((r) => (r as { Type: string }).Type)));
    for (const type of types) {
      const [, namespace] = type.split('::');
      if (type.startsWith('Custom::') || namespace === 'CDK' || namespace === 'IAM') continue;
      expect(services[namespace!], type).toBeDefined();
      expect(allowed.some((a) => a.startsWith(`${services[namespace!]}:`)), type).toBe(true);
    }
  });

  it('reads the bootstrap version parameter CloudFormation resolves for every CDK template', () => {
    expect(allows(policy)).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['ssm:GetParameters']), Resource: 'arn:aws:ssm:*:*:parameter/cdk-bootstrap/*' }),
    );
  });

  it('scopes storage, compute, logs and messaging to resources named after Rungs stacks', () => {
    for (const service of ['s3', 'dynamodb', 'lambda', 'logs', 'sns', 'sqs', 'events']) {
      const wildcard = allows(policy).filter((st) => list(st.Action).includes(`${service}:*`));
      expect(wildcard.length, service).toBeGreaterThan(0);
      for (const st of wildcard) expect(list(st.Resource).includes('*'), service).toBe(false);
    }
  });

  it('creates or changes roles only with the Rungs boundary, never attaches an admin policy and keeps the boundary', () => {
    const roleWrites = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary'];
    for (const p of [policy, boundary]) {
      for (const st of allows(p).filter((x) => list(x.Action).some((a) => roleWrites.includes(a)))) {
        if (p === boundary) continue; // the boundary's Allow is bounded by its own Deny below
        expect(st.Condition, st.Sid).toEqual({ StringLike: { 'iam:PermissionsBoundary': boundaryArn } });
      }
      const denies = p.Statement.filter((st) => st.Effect === 'Deny');
      const attach = denies.find((st) => list(st.Action).includes('iam:AttachRolePolicy') && JSON.stringify(st.Condition).includes('iam:PolicyARN'));
      expect(attach?.Condition).toEqual({ ArnNotLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' } });
      expect(denies.flatMap((st) => list(st.Action))).toEqual(expect.arrayContaining(['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion']));
    }
    const withoutBoundary = boundary.Statement.find((st) => st.Sid === 'NoRoleWithoutThisBoundary')!;
    expect(withoutBoundary).toMatchObject({ Effect: 'Deny', Condition: { StringNotLike: { 'iam:PermissionsBoundary': boundaryArn } } });
    expect(list(withoutBoundary.Action)).toEqual(expect.arrayContaining(roleWrites));
    // IAM elsewhere: Rungs roles and the GitHub provider only; no users, keys or new managed policies.
    for (const st of allows(policy).filter((x) => list(x.Action).some((a) => a.startsWith('iam:')))) {
      if (list(st.Action).every((a) => a === 'iam:CreateServiceLinkedRole')) continue;
      for (const resource of list(st.Resource)) {
        expect(resource).toMatch(/:role\/Rungs-\*$|:role\/rungs\/\*$|:oidc-provider\/token\.actions\.githubusercontent\.com$/);
      }
      expect(list(st.Action).filter((a) => /CreateUser|AccessKey|CreatePolicy|\*/.test(a))).toEqual([]);
    }
    const passRole = allows(policy).find((st) => list(st.Action).includes('iam:PassRole'))!;
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
  });

  it('gives every role of every stack the boundary, and attaches no managed policy the execution policy denies', () => {
    const { app } = built();
    const templates = app.node.children.filter((c): c is Stack => c instanceof Stack).map((stack) => Template.fromStack(stack));
    let roles = 0;
    for (const template of templates) {
      for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
        roles += 1;
        expect(JSON.stringify(role.Properties.PermissionsBoundary), id).toContain(':policy/RungsPermissionsBoundary');
        for (const arn of role.Properties.ManagedPolicyArns ?? []) expect(JSON.stringify(arn), id).toContain(':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
      }
    }
    expect(roles).toBeGreaterThan(10);
    const { template } = synth({ stage: 'dev', permissionsBoundary: 'none' });
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) expect(role.Properties.PermissionsBoundary).toBeUndefined();
  });

  it('names resources so the scoped statements match: stacks are named Rungs-<stage>', () => {
    const { app } = built();
    for (const child of app.node.children) if (child instanceof Stack) expect(child.stackName).toMatch(/^Rungs-/);
  });
});
