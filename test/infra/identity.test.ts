import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, nagErrors, synthesizer } from '../support/synth';

const synth = synthesizer();

/** Environment variables of the API functions (those that verify tokens). */
function apiEnvironments(template: Template): Record<string, unknown>[] {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { RUNGS_STAGE: Match.anyValue(), AUTH_TOKEN_USE: Match.anyValue() } } },
  });
  return Object.values(functions).map((fn) => fn.Properties.Environment.Variables);
}

/** The object the site config deployment writes, with deploy-time markers mapped back to CloudFormation values. */
function siteConfigMarkers(template: Template): Record<string, unknown> {
  const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment', { Properties: { DistributionPaths: ['/config.json'] } }))[0];
  return deployment?.Properties.SourceMarkers?.[0] ?? {};
}

describe('default identity: a Cognito user pool', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'dev' }));
  });

  it('signs learners in by email with a strong password policy and optional authenticator-app MFA', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it('has a public PKCE client: authorization code only, no secret, no password flows', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('SiteDistribution'), 'DomainName'] }, '/auth/callback/']] }],
    });
  });

  it('names the hosted UI after the stage and the stack id, never after an account', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: {
        'Fn::Join': ['-', ['rungs-dev', { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] }]],
      },
    });
  });

  it('creates the authors group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'authors' });
  });

  it('tells every API function to trust access tokens of this pool and client', () => {
    const pool = logicalId(template, 'AWS::Cognito::UserPool', /UserPool/);
    const client = logicalId(template, 'AWS::Cognito::UserPoolClient', /WebClient/);
    const envs = apiEnvironments(template);
    expect(envs.length).toBeGreaterThan(0);
    for (const env of envs) {
      expect(env).toMatchObject({
        AUTH_ISSUER: { 'Fn::GetAtt': [pool, 'ProviderURL'] },
        AUTH_AUDIENCE: { Ref: client },
        AUTH_TOKEN_USE: 'access',
        AUTH_AUTHORS_GROUP: 'authors',
      });
      expect(env).not.toHaveProperty('AUTH_JWKS_URI');
    }
  });

  it('gives the site the issuer, client id and hosted UI endpoints, and no secret', () => {
    const markers = JSON.stringify(siteConfigMarkers(template));
    const client = logicalId(template, 'AWS::Cognito::UserPoolClient', /WebClient/);
    expect(markers).toContain(`{"Ref":"${client}"}`);
    expect(markers).toContain('ProviderURL');
    expect(markers).not.toMatch(/secret/i);
  });
});

describe('an external OpenID Connect issuer', () => {
  const external = {
    stage: 'dev',
    oidcIssuer: 'https://id.example.org/realms/rungs',
    oidcAudience: 'rungs-web',
    oidcJwksUri: 'https://id.example.org/realms/rungs/certs',
    oidcGroupsClaim: 'roles',
  };

  it('creates no user pool and points the API at the configured issuer', () => {
    const { template, stack } = synth(external);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    for (const env of apiEnvironments(template)) {
      expect(env).toMatchObject({
        AUTH_ISSUER: external.oidcIssuer,
        AUTH_AUDIENCE: external.oidcAudience,
        AUTH_JWKS_URI: external.oidcJwksUri,
        AUTH_GROUPS_CLAIM: 'roles',
        AUTH_TOKEN_USE: 'access',
        AUTH_AUTHORS_GROUP: 'authors',
      });
    }
    expect(nagErrors(stack)).toEqual([]);
  });

  it('lets the browser reach the issuer and nothing else', () => {
    const { template } = synth(external);
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({ ContentSecurityPolicy: Match.stringLikeRegexp("connect-src 'self' https://id\\.example\\.org;") }),
        }),
      }),
    });
  });

  it('refuses an issuer without an audience, or one that is not https', () => {
    expect(() => synth({ oidcIssuer: external.oidcIssuer })).toThrow(/oidcAudience/);
    expect(() => synth({ oidcIssuer: 'http://id.example.org', oidcAudience: 'x' })).toThrow(/https/);
  });
});

describe('Cognito email', () => {
  it('sends through the configured SES identity instead of Cognito\'s built-in sender', () => {
    const { template } = synth({
      stage: 'prod',
      sesFromAddress: 'no-reply@learn.example.org',
      sesFromName: 'Rungs',
      sesVerifiedDomain: 'learn.example.org',
      sesRegion: 'eu-west-1',
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        From: 'Rungs <no-reply@learn.example.org>',
        SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':ses:eu-west-1:'), Match.stringLikeRegexp(':identity/learn\\.example\\.org$')])] }),
      },
      DeletionProtection: 'ACTIVE',
    });
  });

  it('warns when prod still uses the built-in sender, and not in dev', () => {
    const warning = (stack: import('aws-cdk-lib').Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('built-in sender'));
    const prod = synth({ stage: 'prod' });
    prod.template.hasResourceProperties('AWS::Cognito::UserPool', { EmailConfiguration: Match.absent() });
    expect(warning(prod.stack)).toHaveLength(1);
    expect(warning(synth({ stage: 'dev' }).stack)).toHaveLength(0);
  });

  it('refuses SES settings without a from address, or an address outside the verified domain', () => {
    expect(() => synth({ sesFromName: 'Rungs' })).toThrow(/sesFromAddress/);
    expect(() => synth({ sesFromAddress: 'not-an-address' })).toThrow(/email address/);
    expect(() => synth({ sesFromAddress: 'a@other.org', sesVerifiedDomain: 'learn.example.org' })).toThrow(/sesVerifiedDomain/);
  });
});
