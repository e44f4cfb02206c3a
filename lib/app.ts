import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from './config';
import { edgeWafPlacement, placeEdgeWaf, withEdgeWafContext } from './constructs/edge-waf';
import { RungsStack } from './rungs-stack';

/**
 * Builds the CDK app: one stack per stage, checked by cdk-nag's AwsSolutions rules (synth fails on
 * any finding that is not acknowledged next to its construct). Shared by bin/app.ts and the tests.
 */
export function buildApp(props: AppProps = {}) {
  const app = new App(props);
  const config = withEdgeWafContext(stageConfig(app.node.tryGetContext('stage')), app.node.tryGetContext('edgeWaf'));
  const stack = new RungsStack(app, `Rungs-${config.stage}`, {
    config,
    description: `Rungs learning platform (${config.stage})`,
    // Account and region come from the deploying credentials; nothing is looked up at synth time.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    // The edge WAF's web ACL lives in us-east-1; from another region its ARN crosses regions.
    crossRegionReferences: edgeWafPlacement(config, process.env.CDK_DEFAULT_REGION) === 'us-east-1-stack',
  });
  placeEdgeWaf(app, stack, stack.site.distribution, config);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, config };
}
