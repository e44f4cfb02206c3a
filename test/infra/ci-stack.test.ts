import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { nagErrors, synthesizer } from '../support/synth';

const synth = synthesizer();
const GITHUB = 'token.actions.githubusercontent.com';

function ciStack(context: Record<string, unknown>) {
  const { ci } = synth({ ci: 'true', githubRepo: 'acme/rungs', ...context });
  if (!ci) throw new Error('no CI stack');
  return { ci, template: Template.fromStack(ci) };
}

function trust(template: Template) {
  const [role] = Object.values(template.findResources('AWS::IAM::Role'));
  return role!.Properties.AssumeRolePolicyDocument.Statement as { Action: string; Principal: unknown; Condition: Record<string, Record<string, unknown>> }[];
}

describe('the CI stack', () => {
  it('is only part of the app when asked for', () => {
    expect(synth({ stage: 'dev' }).ci).toBeUndefined();
  });

  it('creates the native GitHub OIDC provider for the STS audience', () => {
    const { template } = ciStack({});
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: `https://${GITHUB}`, ClientIdList: ['sts.amazonaws.com'] });
  });

  it('trusts only tokens for STS from the main branch (plan) and the configured environment (execute), legacy subject', () => {
    const { template } = ciStack({ githubEnvironment: 'production' });
    const [statement, ...others] = trust(template);
    expect(others).toEqual([]);
    expect(statement).toMatchObject({
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: { Ref: expect.stringMatching(/^GitHub/) } },
      Condition: { StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com', [`${GITHUB}:sub`]: ['repo:acme/rungs:ref:refs/heads/main', 'repo:acme/rungs:environment:production'] } },
    });
    // StringEquals, never StringLike: no wildcard can admit another branch or environment.
    expect(Object.keys(statement!.Condition)).toEqual(['StringEquals']);
    expect(JSON.stringify(statement!.Condition)).not.toContain('*');
  });

  it('refuses a branch pattern: the plan subject names exactly one branch', () => {
    expect(() => synth({ ci: 'true', githubRepo: 'acme/rungs', githubBranch: 'release/*' })).toThrow(/one branch/);
    const subjects = trust(ciStack({ githubBranch: 'trunk' }).template)[0]!.Condition.StringEquals![`${GITHUB}:sub`];
    expect(subjects).toContain('repo:acme/rungs:ref:refs/heads/trunk');
  });

  it('accepts the immutable subject, alone or beside the legacy one, as configured', () => {
    const ids = { githubOwnerId: '4242', githubRepoId: '987654' };
    const immutable = ['repo:acme@4242/rungs@987654:ref:refs/heads/main', 'repo:acme@4242/rungs@987654:environment:production'];
    const both = trust(ciStack(ids).template)[0]!.Condition.StringEquals![`${GITHUB}:sub`];
    expect(both).toEqual(['repo:acme/rungs:ref:refs/heads/main', 'repo:acme/rungs:environment:production', ...immutable]);
    const only = trust(ciStack({ ...ids, githubSubjectFormat: 'immutable' }).template)[0]!.Condition.StringEquals![`${GITHUB}:sub`];
    expect(only).toEqual(immutable);
  });

  it('imports an existing provider by ARN instead of creating one', () => {
    const arn = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
    const { template } = ciStack({ githubOidcProviderArn: arn });
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(trust(template)[0]!.Principal).toEqual({ Federated: arn });
  });

  it('may only assume the CDK bootstrap roles and the content-publisher roles, for one hour', () => {
    const { template, ci } = ciStack({});
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    expect(role!.Properties.MaxSessionDuration).toBe(3600);
    expect(role!.Properties.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const statements = role!.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('sts:AssumeRole');
    const resources = JSON.stringify(statements[0].Resource);
    for (const name of ['deploy', 'file-publishing', 'image-publishing', 'lookup']) expect(resources).toContain(`:role/cdk-hnb659fds-${name}-role-`);
    // Never the bootstrap's CloudFormation execution role, which a wildcard would also match.
    expect(resources).not.toContain('*-role');
    expect(resources).not.toContain('cfn-exec');
    expect(resources).toContain(':role/rungs/content-publisher/*');
    expect(nagErrors(ci)).toEqual([]);
  });

  it('reaches the bootstrap roles of every configured region', () => {
    const { template, ci } = ciStack({ deployRegions: 'eu-west-1,us-east-1' });
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    const resources = JSON.stringify(role!.Properties.Policies[0].PolicyDocument.Statement[0].Resource);
    expect(resources).toContain('"-eu-west-1"');
    expect(resources).toContain('"-us-east-1"');
    expect(nagErrors(ci)).toEqual([]);
  });

  it('refuses to build without a repository, or with half of the immutable ids', () => {
    expect(() => synth({ ci: 'true' })).toThrow(/githubRepo=OWNER\/REPO/);
    expect(() => synth({ ci: 'true', githubRepo: 'acme/rungs', githubOwnerId: '1' })).toThrow(/go together/);
    expect(() => synth({ ci: 'true', githubRepo: 'acme/rungs', githubSubjectFormat: 'immutable' })).toThrow(/githubOwnerId/);
  });
});
