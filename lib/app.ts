import { App, PERMISSIONS_BOUNDARY_CONTEXT_KEY, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { CiStack, ciConfig } from './ci-stack';
import { stageConfig } from './config';
import { edgeWafPlacement, placeEdgeWaf } from './constructs/edge-waf';
import { RungsStack } from './rungs-stack';

/**
 * Builds the CDK app: one stack per stage, plus the once-per-account CI stack when asked for with
 * `-c ci=true`, all checked by cdk-nag's AwsSolutions, NIST 800-53 rev 5 and Serverless packs (synth
 * fails on any finding that is not acknowledged next to its construct). Shared by bin/app.ts and the tests.
 */
export function buildApp(props: AppProps = {}) {
  const app = new App(props);
  const context = (key: string) => app.node.tryGetContext(key);
  // Every role of every stack carries the boundary the CDK execution policy requires (docs/deploy.md, section 2).
  const boundary = permissionsBoundaryName(context('permissionsBoundary'));
  if (boundary) app.node.setContext(PERMISSIONS_BOUNDARY_CONTEXT_KEY, { name: boundary });
  const config = stageConfig(context('stage'), context);
  // Account and region come from the deploying credentials; nothing is looked up at synth time.
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stack = new RungsStack(app, `Rungs-${config.stage}`, {
    config,
    description: `Rungs learning platform (${config.stage})`,
    env,
    // The edge WAF's web ACL lives in us-east-1; from another region its ARN crosses regions.
    crossRegionReferences: edgeWafPlacement(config, env.region) === 'us-east-1-stack',
  });
  placeEdgeWaf(app, stack, stack.site.distribution, config);
  const ci = [true, 'true'].includes(context('ci'))
    ? new CiStack(app, 'Rungs-ci', { ci: ciConfig(context), description: 'Rungs delivery: GitHub OIDC provider and deploy role', env })
    : undefined;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app), new ServerlessChecks(app));
  return { app, stack, ci, config };
}

/**
 * The customer managed policy that bounds every role the stacks create. The CDK execution policy
 * (docs/cdk-execution-policy.json) lets CloudFormation create or change a role only with this
 * boundary attached, so a deployment can never mint a role with more than the boundary allows.
 * `-c permissionsBoundary=none` is for accounts bootstrapped without it.
 */
export const PERMISSIONS_BOUNDARY = 'RungsPermissionsBoundary';

function permissionsBoundaryName(setting: unknown): string | undefined {
  if (setting === undefined || setting === null || setting === '') return PERMISSIONS_BOUNDARY;
  if (typeof setting !== 'string' || !/^[\w+=,.@-]+$/.test(setting)) throw new Error(`permissionsBoundary must be a policy name or none, got "${String(setting)}"`);
  return setting === 'none' ? undefined : setting;
}
