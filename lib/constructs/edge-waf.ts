import { Annotations, ArnFormat, Stack, Token, type App, type StackProps } from 'aws-cdk-lib';
import type { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, type CfnWebACLProps } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { acknowledge, COMMON_FINDINGS } from '../nag';

/**
 * The web ACL on the CloudFront distribution: a coarse, IP-based guard in front of the per-user
 * limiter (a rate-based rule that blocks an address sending more than `requestsPerWindow` requests to
 * `/api/*` within `windowSeconds`; it cannot read a token, so per-user limits stay in the API), then
 * AWS's managed rule groups for common exploits, known bad inputs and addresses with a bad
 * reputation. Every decision is logged to CloudWatch Logs (`aws-waf-logs-…`, the prefix WAF requires).
 */
export interface EdgeWafProps {
  config: StageConfig;
  /** Any of CDK's own WebACL props, applied last. */
  webAclOverrides?: Partial<CfnWebACLProps>;
}

/** AWS managed rule groups, in evaluation order after the rate rule. */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet'] as const;

export class EdgeWaf extends Construct {
  readonly webAcl: CfnWebACL;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: EdgeWafProps) {
    super(scope, id);
    const { stage, edgeWaf } = props.config;
    const metrics = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `rungs-${stage}-${name}` });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      // CloudFront web ACLs exist only in us-east-1; see placeEdgeWaf().
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metrics('edge'),
      rules: [
        {
          name: 'api-requests-per-ip',
          priority: 0,
          action: { block: {} },
          visibilityConfig: metrics('api-requests-per-ip'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: edgeWaf.requestsPerWindow,
              evaluationWindowSec: edgeWaf.windowSeconds,
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: '/api/',
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
        },
        ...MANAGED_RULE_GROUPS.map((name, index) => ({
          name,
          priority: index + 1,
          overrideAction: { none: {} },
          visibilityConfig: metrics(name),
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
        })),
      ],
      ...props.webAclOverrides,
    });

    const stack = Stack.of(this);
    this.logGroup = new LogGroup(this, 'Logs', {
      // WAF delivers only to log groups whose name starts with aws-waf-logs-.
      logGroupName: `aws-waf-logs-${stack.stackName}`,
      retention: props.config.logRetention,
      removalPolicy: props.config.removalPolicy,
    });
    acknowledge(this.logGroup, COMMON_FINDINGS.logKey);
    new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the `:*` suffix CDK's logGroupArn carries.
      logDestinationConfigs: [
        stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: this.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      // Tokens never reach the logs.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
  }

  get arn(): string {
    return this.webAcl.attrArn;
  }
}

/** A small stack in us-east-1 that holds only the web ACL, for a platform deployed to any other region. */
export class EdgeWafStack extends Stack {
  readonly waf: EdgeWaf;

  constructor(scope: Construct, id: string, props: StackProps & { config: StageConfig }) {
    super(scope, id, props);
    this.waf = new EdgeWaf(this, 'EdgeWaf', { config: props.config });
  }
}

export type EdgeWafPlacement = 'off' | 'same-stack' | 'us-east-1-stack' | 'region-unknown';

/**
 * Where a CLOUDFRONT-scope web ACL can live for a platform stack in `region`:
 * - us-east-1: in the platform stack itself;
 * - any other region: in a separate us-east-1 stack, its ARN passed with CDK's cross-region
 *   references (which need the platform stack's region to be known at synth);
 * - region unknown (an environment-agnostic synth without credentials): nowhere — the rule is
 *   skipped with a warning, since deploying a CLOUDFRONT ACL outside us-east-1 would fail.
 */
export function edgeWafPlacement(config: StageConfig, region: string | undefined): EdgeWafPlacement {
  if (!config.edgeWaf.enabled) return 'off';
  if (!region || Token.isUnresolved(region)) return 'region-unknown';
  return region === 'us-east-1' ? 'same-stack' : 'us-east-1-stack';
}

/**
 * Attaches the edge WAF to a platform stack's distribution, creating the web ACL where it can live.
 * The platform stack must have been created with `crossRegionReferences` when the placement is
 * 'us-east-1-stack'. Returns the separate stack, if one was created.
 */
export function placeEdgeWaf(app: App, platform: Stack, distribution: Distribution, config: StageConfig): EdgeWafStack | undefined {
  const placement = edgeWafPlacement(config, platform.region);
  if (placement === 'off') return undefined;
  if (placement === 'region-unknown') {
    Annotations.of(platform).addWarningV2(
      'rungs:edge-waf-region-unknown',
      'The edge WAF rate rule is enabled but the stack region is unknown at synth, and a CloudFront web ACL must be created in us-east-1: deploy with credentials (or CDK_DEFAULT_REGION) so it can be placed.',
    );
    return undefined;
  }
  if (placement === 'same-stack') {
    distribution.attachWebAclId(new EdgeWaf(platform, 'EdgeWaf', { config }).arn);
    return undefined;
  }
  const edgeStack = new EdgeWafStack(app, `${platform.stackName}-EdgeWaf`, {
    env: { account: platform.account, region: 'us-east-1' },
    crossRegionReferences: true,
    description: `Rungs edge WAF for ${platform.stackName} (CloudFront web ACLs live in us-east-1)`,
    config,
  });
  // A strong reference is the point: the web ACL cannot be deleted while the distribution uses it.
  Annotations.of(platform).acknowledgeWarning(
    '@aws-cdk/core:crossStackReferencesDefaultStrong',
    'The edge web ACL must outlive the distribution that uses it, which is what a strong reference guarantees.',
  );
  distribution.attachWebAclId(edgeStack.waf.arn);
  return edgeStack;
}
