import { Annotations, Stack, Token, type App, type StackProps } from 'aws-cdk-lib';
import type { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { CfnWebACL, type CfnWebACLProps } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';

/**
 * A coarse, IP-based guard in front of the per-user limiter: a WAF rate-based rule on the CloudFront
 * distribution that blocks an address sending more than `requestsPerWindow` requests to `/api/*` within
 * `windowSeconds`. It stops volumetric abuse before it costs a Lambda invocation; it cannot read a
 * token, so per-user limits stay in the API.
 */
export interface EdgeWafProps {
  config: StageConfig;
  /** Any of CDK's own WebACL props, applied last. */
  webAclOverrides?: Partial<CfnWebACLProps>;
}

export class EdgeWaf extends Construct {
  readonly webAcl: CfnWebACL;

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
      ],
      ...props.webAclOverrides,
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
