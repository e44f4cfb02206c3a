import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { OidcProviderNative, PolicyDocument, PolicyStatement, Role, WebIdentityPrincipal, type IOidcProvider } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { optionalSetting, type ContextReader } from './config';
import { CONTENT_PUBLISHER_PATH } from './constructs/content-publisher';
import { acknowledge, nagEnvironment } from './nag';

/** Bootstrap roles the CDK CLI assumes to diff and deploy (`cdk-<qualifier>-<name>-role-<account>-<region>`). */
const CDK_CLI_ROLES = ['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const;

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';
const STS_AUDIENCE = 'sts.amazonaws.com';

/**
 * What GitHub may deploy. `subjects` are the exact `sub` claims the deploy role accepts, for two
 * kinds of job of deploy.yml: the plan job, which has no environment and so is named by its branch
 * (`…:ref:refs/heads/main`; any other branch is refused here, by IAM), and the execute job, named by
 * its environment (`…:environment:production`; GitHub's deployment branch rule on that environment
 * admits only main, see docs/deploy.md). Each comes as the legacy `repo:OWNER/REPO:…` and/or the
 * immutable `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` that repositories created since 2026-07-15 send.
 */
export interface CiConfig {
  repository: string;
  environment: string;
  /** The only branch whose jobs without an environment (the plan) may assume the role. */
  branch: string;
  subjects: string[];
  /** An existing GitHub OIDC provider of the account (there can be only one per URL). */
  oidcProviderArn?: string;
  /** The CDK bootstrap qualifier whose roles the deploy role may assume. */
  cdkQualifier: string;
  /** Regions whose bootstrap roles may be assumed; empty means the CI stack's own region. */
  deployRegions: string[];
}

export type SubjectFormat = 'legacy' | 'immutable' | 'both';

/** Reads the CI settings from context (`-c githubRepo=owner/repo …`); see docs/configuration.md. */
export function ciConfig(context: ContextReader): CiConfig {
  const setting = optionalSetting(context);
  const repository = setting('githubRepo');
  if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new Error('The CI stack needs -c githubRepo=OWNER/REPO');
  }
  const environment = setting('githubEnvironment') ?? 'production';
  const ownerId = setting('githubOwnerId');
  const repoId = setting('githubRepoId');
  const ids = ownerId !== undefined || repoId !== undefined;
  if (ids && !(ownerId && repoId && /^\d+$/.test(ownerId) && /^\d+$/.test(repoId))) {
    throw new Error('-c githubOwnerId and -c githubRepoId go together and are numeric');
  }
  const format = (setting('githubSubjectFormat') ?? (ids ? 'both' : 'legacy')) as SubjectFormat;
  if (!['legacy', 'immutable', 'both'].includes(format)) {
    throw new Error(`githubSubjectFormat must be legacy, immutable or both, got "${format}"`);
  }
  if (format !== 'legacy' && !ids) throw new Error(`githubSubjectFormat=${format} needs -c githubOwnerId=... -c githubRepoId=...`);

  const branch = setting('githubBranch') ?? 'main';
  if (!/^[\w./-]+$/.test(branch) || branch.includes('*')) throw new Error(`githubBranch must be one branch name, got "${branch}"`);

  const [owner, repo] = repository.split('/') as [string, string];
  const contexts = [`ref:refs/heads/${branch}`, `environment:${environment}`];
  const legacy = contexts.map((context) => `repo:${owner}/${repo}:${context}`);
  const immutable = contexts.map((context) => `repo:${owner}@${ownerId}/${repo}@${repoId}:${context}`);
  const subjects = format === 'legacy' ? legacy : format === 'immutable' ? immutable : [...legacy, ...immutable];
  const oidcProviderArn = setting('githubOidcProviderArn');
  return {
    repository,
    environment,
    branch,
    subjects,
    ...(oidcProviderArn ? { oidcProviderArn } : {}),
    cdkQualifier: setting('cdkQualifier') ?? 'hnb659fds',
    deployRegions: (setting('deployRegions') ?? '').split(',').map((r) => r.trim()).filter(Boolean),
  };
}

export interface CiStackProps extends StackProps {
  ci: CiConfig;
}

/**
 * Deployed once per account: GitHub's OIDC provider and the role the deploy workflow assumes. The
 * role can do one thing, assume other roles: the CDK bootstrap roles (so what a deployment may
 * change is decided by the bootstrap and its execution policy, never by this role) and the
 * stages' content-publisher roles (upload lessons, nothing else).
 */
export class CiStack extends Stack {
  readonly provider: IOidcProvider;
  readonly deployRole: Role;

  constructor(scope: Construct, id: string, props: CiStackProps) {
    super(scope, id, props);
    const { ci } = props;

    this.provider = ci.oidcProviderArn
      ? OidcProviderNative.fromOidcProviderArn(this, 'GitHub', ci.oidcProviderArn)
      : new OidcProviderNative(this, 'GitHub', { url: `https://${GITHUB_ISSUER}`, clientIds: [STS_AUDIENCE] });

    const regions = ci.deployRegions.length ? ci.deployRegions : [this.region];
    // The four roles the CDK CLI assumes, by name: a `cdk-<q>-*-role-…` wildcard would also match the
    // bootstrap's CloudFormation execution role (`cfn-exec-role`), which no deploy should assume directly.
    const bootstrapRoles = regions.flatMap((region) =>
      CDK_CLI_ROLES.map((role) => `arn:${this.partition}:iam::${this.account}:role/cdk-${ci.cdkQualifier}-${role}-role-${this.account}-${region}`),
    );
    const publisherRoles = `arn:${this.partition}:iam::${this.account}:role${CONTENT_PUBLISHER_PATH}*`;
    this.deployRole = new Role(this, 'DeployRole', {
      description: `GitHub Actions deploys of ${ci.repository} (branch ${ci.branch}, environment ${ci.environment})`,
      assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: { [`${GITHUB_ISSUER}:aud`]: STS_AUDIENCE, [`${GITHUB_ISSUER}:sub`]: ci.subjects },
      }),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        AssumeCdkBootstrapRoles: new PolicyDocument({
          statements: [new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [...bootstrapRoles, publisherRoles] })],
        }),
      },
    });
    const printed = nagEnvironment(this);
    acknowledge(this.deployRole, {
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::${printed.account}:role${CONTENT_PUBLISHER_PATH}*]`]:
        'Each stage creates its content-publisher role under this path with a generated name; only roles under the path can be assumed.',
      'NIST.800.53.R5-IAMNoInlinePolicy':
        'The role\'s one statement (sts:AssumeRole on the bootstrap and content-publisher roles) belongs to this role alone; a managed policy would need iam:CreatePolicy, which the CDK execution policy denies on purpose.',
    });

    new CfnOutput(this, 'DeployRoleArn', { value: this.deployRole.roleArn, description: 'Set as the AWS_DEPLOY_ROLE_ARN repository variable (Settings → Secrets and variables → Actions → Variables)' });
  }
}
