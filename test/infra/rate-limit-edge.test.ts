import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { apiFunctions } from '../../lambdas/api/routes';
import { synthesizer } from '../support/synth';

const synthesize = synthesizer();
const region = process.env.CDK_DEFAULT_REGION;

/** Synthesizes a stage in a region (undefined: environment-agnostic), without bundling. */
function synth(stage: 'dev' | 'prod', inRegion: string | undefined, context: Record<string, unknown> = {}) {
  if (inRegion) process.env.CDK_DEFAULT_REGION = inRegion;
  else delete process.env.CDK_DEFAULT_REGION;
  const { app, stack, template } = synthesize({ stage, ...context });
  const edge = app.node.tryFindChild(`${stack.stackName}-EdgeWaf`) as Stack | undefined;
  return { stack, template, edge };
}

const rateRule = Match.objectLike({
  Name: 'api-requests-per-ip',
  Action: { Block: {} },
  Statement: {
    RateBasedStatement: Match.objectLike({
      AggregateKeyType: 'IP',
      Limit: 3000,
      EvaluationWindowSec: 300,
      ScopeDownStatement: { ByteMatchStatement: Match.objectLike({ PositionalConstraint: 'STARTS_WITH', SearchString: '/api/' }) },
    }),
  },
});

const account = process.env.CDK_DEFAULT_ACCOUNT;
afterEach(() => {
  for (const [name, value] of [['CDK_DEFAULT_REGION', region], ['CDK_DEFAULT_ACCOUNT', account]] as const) {
    if (value) process.env[name] = value;
    else delete process.env[name];
  }
});

describe('rate-limit infrastructure', () => {
  it('lets every API function update only rate-limit items, in a policy of its own', () => {
    // Act
    const { template } = synth('dev', 'us-east-1');

    // Assess
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => /RateLimitState/.test(id));
    const expected = Object.keys(apiFunctions).map((name) => `Api${name[0]!.toUpperCase()}${name.slice(1)}Function`);
    expect(policies.map(([id]) => id.replace(/RateLimitState.*/, '')).sort()).toEqual(expected.sort());
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
        },
      ]);
    }
  });

  it('has no edge WAF in dev by default', () => {
    const { template, edge } = synth('dev', 'us-east-1');
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(edge).toBeUndefined();
  });

  it('puts the WAF rate rule on the distribution in prod, in the same stack when it is in us-east-1', () => {
    // Act
    const { template, edge } = synth('prod', 'us-east-1');

    // Assess
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} }, Rules: Match.arrayWith([rateRule]) });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeWafWebAcl'), 'Arn'] } }),
    });
    expect(edge).toBeUndefined();
  });

  it('creates the web ACL in a separate us-east-1 stack when prod is deployed to another region', () => {
    // Act
    const { template, edge } = synth('prod', 'eu-west-1');

    // Assess
    expect(edge?.region).toBe('us-east-1');
    Template.fromStack(edge!).hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', Rules: Match.arrayWith([rateRule]) });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ WebACLId: Match.anyValue() }) });
    template.resourceCountIs('Custom::CrossRegionExportReader', 1);
  });

  it('adds the managed rule groups for common exploits, known bad inputs and IP reputation after the rate rule, and logs every decision', () => {
    // Act
    const { template } = synth('prod', 'us-east-1');

    // Assess
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    const rules = acl!.Properties.Rules as { Name: string; Priority: number; OverrideAction?: unknown; Statement: { ManagedRuleGroupStatement?: { VendorName: string; Name: string } } }[];
    const managed = rules.filter((r) => r.Statement.ManagedRuleGroupStatement).map((r) => r.Statement.ManagedRuleGroupStatement!);
    expect(managed).toEqual(
      expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'].map((Name) => ({ VendorName: 'AWS', Name }))),
    );
    for (const rule of rules.filter((r) => r.Statement.ManagedRuleGroupStatement)) {
      expect(rule.OverrideAction).toEqual({ None: {} });
      expect(rule.Priority).toBeGreaterThan(rules.find((r) => r.Name === 'api-requests-per-ip')!.Priority);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-Rungs-') });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeWafWebAcl'), 'Arn'] },
      LogDestinationConfigs: [Match.anyValue()],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
    });
    expect(JSON.stringify(template.findResources('AWS::WAFv2::LoggingConfiguration'))).not.toContain(':*');
  });

  it('skips the rule with a warning when the region is unknown at synth', () => {
    // Act
    const { stack, template, edge } = synth('prod', undefined);

    // Assess
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(edge).toBeUndefined();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('edge WAF rate rule is enabled'))).toHaveLength(1);
  });

  it('turns the rule off in prod and on in dev with -c edgeWaf', () => {
    synth('prod', 'us-east-1', { edgeWaf: 'off' }).template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    synth('dev', 'us-east-1', { edgeWaf: 'on' }).template.resourceCountIs('AWS::WAFv2::WebACL', 1);
  });

  it('passes cdk-nag AwsSolutions in every placement, with the account known as in a real deploy', () => {
    process.env.CDK_DEFAULT_ACCOUNT = '111111111111';
    for (const inRegion of ['us-east-1', 'eu-west-1']) {
      const { stack, edge } = synth('prod', inRegion);
      for (const s of [stack, ...(edge ? [edge] : [])]) {
        expect(Annotations.fromStack(s).findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
      }
    }
  });
});
