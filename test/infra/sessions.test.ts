import { type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFunctions, routeKey } from '../../lambdas/api/routes';
import { logicalId, synthesizer } from '../support/synth';

const synth = synthesizer();

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };

function statementsOf(template: Template, role: RegExp): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => role.test(r.Ref)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('sessions in AWS', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'prod' }));
  });

  it('rotates refresh tokens on the Cognito client with no grace period, with revocation and the chosen validities', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 },
      EnableTokenRevocation: true,
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 90 * 24 * 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
    // Rotation is incompatible with the REFRESH_TOKEN_AUTH flow: it must not be allowed.
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0]!;
    expect(client.Properties.ExplicitAuthFlows ?? []).not.toContain('ALLOW_REFRESH_TOKEN_AUTH');
  });

  it('routes every declared session route (sign-in, refresh, sign out, sign out everywhere) to one function', () => {
    // Prepare: the session routes as the route table declares them
    const declared = apiFunctions.auth.routes.map(routeKey);

    // Act: every route of the API under /api/auth/, whichever function serves it
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter((r) => / \/api\/auth\//.test(String(r.Properties.RouteKey)));

    // Assess: exactly the declared ones, all with the same target
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([...declared].sort());
    expect(new Set(routes.map((r) => JSON.stringify(r.Properties.Target))).size).toBe(1);
  });

  it('tells the session function the issuer endpoints and the secret, never the key itself', () => {
    const secret = logicalId(template, 'AWS::SecretsManager::Secret', /SessionKey/);
    const withKey = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment?.Variables?.SESSION_KEY_SECRET_ARN);
    const env = withKey[0]!.Properties.Environment.Variables;
    expect(env.SESSION_KEY_SECRET_ARN).toEqual({ Ref: secret });
    expect(JSON.stringify(env.AUTH_TOKEN_ENDPOINT)).toContain('/oauth2/token');
    expect(JSON.stringify(env.AUTH_REVOCATION_ENDPOINT)).toContain('/oauth2/revoke');
    expect(env.SITE_ORIGINS).toBeDefined();
    expect(withKey).toHaveLength(1);
    expect(JSON.stringify(template.toJSON())).not.toContain('SESSION_KEY"');
  });

  it('lets only the session function read the key secret', () => {
    const secret = logicalId(template, 'AWS::SecretsManager::Secret', /SessionKey/);
    const readers = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secret}"`))
      .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    expect(readers.length).toBeGreaterThan(0);
    for (const role of readers) expect(role).toMatch(/^ApiAuthFunction/);
  });

  it('gives the session function writes on learner partitions only, plus the limiter grant on RATE# items', () => {
    const statements = statementsOf(template, /^ApiAuthFunction/).filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:') && !/^dynamodb:(Get|BatchGet|Query|Scan|Describe|ConditionCheck)/.test(a)));
    expect(statements.length).toBe(2);
    for (const statement of statements) {
      const leading = (statement.Condition as Record<string, Record<string, string[]>>)['ForAllValues:StringLike']!['dynamodb:LeadingKeys'];
      expect(leading?.every((key) => key === 'USER#*' || key === 'RATE#*')).toBe(true);
    }
    const learner = statements.find((s) => JSON.stringify(s.Condition).includes('USER#*'))!;
    expect([learner.Action].flat().sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('gives the receipt key of anonymous answers its own secret, read by the attempts function only', () => {
    const secret = logicalId(template, 'AWS::SecretsManager::Secret', /ReceiptKey/);
    const readers = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secret}"`))
      .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    expect(readers.length).toBeGreaterThan(0);
    for (const role of readers) expect(role).toMatch(/^ApiAttemptsFunction/);
    const withArn = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment?.Variables?.RECEIPT_KEY_SECRET_ARN);
    expect(withArn.map((fn) => fn.Properties.Environment.Variables.RECEIPT_KEY_SECRET_ARN)).toEqual([{ Ref: secret }]);
  });

  it('lets sign-out-everywhere and account deletion, and only them, sign the learner out at Cognito (AdminUserGlobalSignOut on this user pool)', () => {
    // Prepare
    const pool = logicalId(template, 'AWS::Cognito::UserPool', /UserPool/);
    const grants = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('cognito-idp:')))
        .map((s) => ({ roles: (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref), statement: s })),
    );

    // Assess: exactly one action, on the pool's ARN, for the auth and account functions
    expect(grants.map((g) => g.roles.map((r) => r.replace(/ServiceRole.*$/, ''))).flat().sort()).toEqual(['ApiAccountFunction', 'ApiAuthFunction']);
    for (const { statement } of grants) {
      expect(statement.Action).toBe('cognito-idp:AdminUserGlobalSignOut');
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [pool, 'Arn'] });
    }
    const withPool = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.COGNITO_USER_POOL_ID)
      .map(([id, fn]) => [id.replace(/[0-9A-F]{8}$/, ''), fn.Properties.Environment.Variables.COGNITO_USER_POOL_ID]);
    expect(withPool.map(([id]) => id).sort()).toEqual(['ApiAccountFunction', 'ApiAuthFunction']);
    for (const [, value] of withPool) expect(value).toEqual({ Ref: pool });
  });

  it('forwards the session cookie, and no other, to the API through CloudFront', () => {
    const policy = Object.values(template.findResources('AWS::CloudFront::OriginRequestPolicy')).find((p) =>
      JSON.stringify(p.Properties).includes('CloudFront-Viewer-Address'),
    )!;
    const config = policy.Properties.OriginRequestPolicyConfig;
    expect(config.CookiesConfig).toEqual({ CookieBehavior: 'whitelist', Cookies: ['__Host-rungs-session'] });
    expect(config.HeadersConfig.Headers).toContain('Sec-Fetch-Site');
  });
});
