import { readdirSync, readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticPages } from '../../lambdas/render';
import { fromRoot } from '../../lib/paths';
import { logicalId, nagErrors, synthesizer } from '../support/synth';

const synth = synthesizer();
const CERTIFICATE = 'arn:aws:acm:us-east-1:111122223333:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

type Behavior = Record<string, unknown> & { PathPattern?: string };

function distributionConfig(template: Template) {
  const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
  return distribution!.Properties.DistributionConfig as {
    DefaultCacheBehavior: Behavior;
    CacheBehaviors: Behavior[];
    Origins: Record<string, unknown>[];
    HttpVersion: string;
    Aliases?: string[];
    ViewerCertificate?: Record<string, unknown>;
  };
}

function cachePolicy(template: Template, ref: unknown) {
  const id = (ref as { Ref: string }).Ref;
  return template.toJSON().Resources[id].Properties.CachePolicyConfig;
}

describe('the distribution', () => {
  let template: Template;
  let config: ReturnType<typeof distributionConfig>;
  const behavior = (path: string) => config.CacheBehaviors.find((b) => b.PathPattern === path)!;

  beforeAll(() => {
    ({ template } = synth({ stage: 'dev' }));
    config = distributionConfig(template);
  });

  it('speaks HTTP/2 and HTTP/3, HTTPS only, compressed on every behaviour', () => {
    expect(config.HttpVersion).toBe('http2and3');
    for (const b of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(b.Compress).toBe(true);
      expect(['redirect-to-https', 'https-only']).toContain(b.ViewerProtocolPolicy);
    }
    const api = config.Origins.find((o) => 'CustomOriginConfig' in o)!;
    expect(api.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
  });

  it('reads the site bucket only through Origin Access Control', () => {
    const site = config.Origins.find((o) => 'S3OriginConfig' in o)!;
    expect(site).toMatchObject({ S3OriginConfig: { OriginAccessIdentity: '' }, OriginAccessControlId: expect.anything() });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            // ListBucket: a missing page is a 404 (shown as the site's 404 page), not S3's 403.
            Action: ['s3:GetObject', 's3:ListBucket'],
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('shows the site\'s own pages for a missing page and for gateway errors, keeping their status, never for 403, 500 or 503', () => {
    expect((config as { CustomErrorResponses?: unknown }).CustomErrorResponses).toEqual([
      { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/errors/404.html', ErrorCachingMinTTL: 30 },
      { ErrorCode: 502, ResponseCode: 502, ResponsePagePath: '/errors/unavailable.html', ErrorCachingMinTTL: 10 },
      { ErrorCode: 504, ResponseCode: 504, ResponsePagePath: '/errors/unavailable.html', ErrorCachingMinTTL: 10 },
    ]);
    // The pages exist in the site build that the Pages deployment uploads.
    for (const page of ['errors/404.html', 'errors/unavailable.html']) expect([...staticPages({}).keys()]).toContain(page);
  });

  it('keeps the trailing-slash rewrite to index.html on the default behaviour', () => {
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/IndexRewrite/), 'FunctionARN'] } },
    ]);
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: Match.stringLikeRegexp("endsWith\\('/'\\).*index\\.html"),
    });
  });

  it('caches hashed assets and figures for a year and HTML for a minute', () => {
    const assets = cachePolicy(template, behavior('/assets/*').CachePolicyId);
    expect(assets).toMatchObject({ MinTTL: 31_536_000, DefaultTTL: 31_536_000, MaxTTL: 31_536_000 });
    const figures = cachePolicy(template, behavior('/figures/*').CachePolicyId);
    expect(figures).toMatchObject({ MinTTL: 31_536_000, DefaultTTL: 31_536_000, MaxTTL: 31_536_000 });
    const html = cachePolicy(template, config.DefaultCacheBehavior.CachePolicyId);
    expect(html).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 300 });
  });

  it('never caches /api/* and forwards Authorization and every query string', () => {
    const api = cachePolicy(template, behavior('/api/*').CachePolicyId);
    expect(api).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 0,
      ParametersInCacheKeyAndForwardedToOrigin: {
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        QueryStringsConfig: { QueryStringBehavior: 'all' },
        CookiesConfig: { CookieBehavior: 'none' },
      },
    });
    expect(api.MaxTTL).toBeLessThanOrEqual(1);
  });

  it('forwards the viewer address to the API but never the viewer Host', () => {
    const id = (behavior('/api/*').OriginRequestPolicyId as { Ref: string }).Ref;
    const policy = template.toJSON().Resources[id].Properties.OriginRequestPolicyConfig;
    expect(policy.HeadersConfig.HeaderBehavior).toBe('whitelist');
    expect(policy.HeadersConfig.Headers).toContain('CloudFront-Viewer-Address');
    expect(policy.HeadersConfig.Headers.map((h: string) => h.toLowerCase())).not.toContain('host');
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(policy.HeadersConfig.Headers.length).toBeLessThanOrEqual(10);
  });

  it('forwards every request header the API handlers read', () => {
    const read = new Set<string>();
    for (const file of readdirSync(fromRoot('lambdas'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(fromRoot('lambdas', file), 'utf8');
      for (const match of source.matchAll(/headers\??\.?\[\s*'([a-z0-9-]+)'\s*\]/gi)) read.add(match[1]!.toLowerCase());
      for (const match of source.matchAll(/headers\??\.([a-z]\w*)/gi)) read.add(match[1]!.toLowerCase());
    }
    expect(read).toContain('idempotency-key');
    const id = (behavior('/api/*').OriginRequestPolicyId as { Ref: string }).Ref;
    const forwarded: string[] = template.toJSON().Resources[id].Properties.OriginRequestPolicyConfig.HeadersConfig.Headers;
    const reachesApi = new Set([...forwarded, 'Authorization', 'x-origin-verify'].map((h) => h.toLowerCase()));
    expect([...read].filter((h) => !reachesApi.has(h))).toEqual([]);
  });

  it('proves API requests came through CloudFront with the generated secret the API reads at runtime, never from its environment', () => {
    const secret = logicalId(template, 'AWS::SecretsManager::Secret', /OriginVerify/);
    const reference = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secret }, ':SecretString:::}}']] };
    const api = config.Origins.find((o) => 'CustomOriginConfig' in o)!;
    expect(api.OriginCustomHeaders).toEqual([{ HeaderName: 'x-origin-verify', HeaderValue: reference }]);
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { AUTH_ISSUER: Match.anyValue() } } },
    });
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    for (const [id, fn] of Object.entries(functions)) {
      // A value in the environment would be frozen until the next deploy: rotation could never work.
      expect(fn.Properties.Environment.Variables.ORIGIN_VERIFY_SECRET_ARN, id).toEqual({ Ref: secret });
      expect(JSON.stringify(fn.Properties.Environment), id).not.toContain('resolve:secretsmanager');
      const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: Match.arrayWith([{ Ref: role }]),
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: secret } })]) },
      });
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
  });

  it('reads the secrets through the Parameters and Secrets extension layer, with the extension cache off', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { ORIGIN_VERIFY_SECRET_ARN: Match.anyValue() } } },
    });
    expect(Object.keys(functions).length).toBeGreaterThan(5);
    const layerMap = Object.values(template.toJSON().Mappings ?? {}).find((m) => JSON.stringify(m).includes('AWS-Parameters-and-Secrets-Lambda-Extension-Arm64'));
    expect(layerMap, 'an ARM64 extension layer per region').toBeDefined();
    for (const [id, fn] of Object.entries(functions)) {
      expect(JSON.stringify(fn.Properties.Layers), id).toContain('FindInMap');
      // The functions cache with the lifetimes the rotation relies on; a second, 5-minute extension
      // cache would make the reload after a header miss see the old value.
      expect(fn.Properties.Environment.Variables.PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED, id).toBe('false');
    }
  });

  it('rotates the origin secret on a schedule with a function that may change only this distribution', () => {
    const secret = logicalId(template, 'AWS::SecretsManager::Secret', /OriginVerify/);
    const rotation = logicalId(template, 'AWS::Lambda::Function', /OriginVerifyRotationFunction/);
    const distribution = logicalId(template, 'AWS::CloudFront::Distribution', /SiteDistribution/);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secret },
      RotationLambdaARN: { 'Fn::GetAtt': [rotation, 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DISTRIBUTION_ID: { Ref: distribution }, ORIGIN_HEADER: 'x-origin-verify' }) },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('OriginVerifyRotationFunction'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string[]; Resource: unknown }[]);
    const cloudfront = statements.find((s) => [s.Action].flat().includes('cloudfront:UpdateDistribution'))!;
    expect(cloudfront.Action).toEqual(['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution']);
    expect(JSON.stringify(cloudfront.Resource)).toContain(`{"Ref":"${distribution}"}`);
    const writes = statements.find((s) => [s.Action].flat().includes('secretsmanager:PutSecretValue'))!;
    expect(writes.Resource).toEqual({ Ref: secret });
  });

  it('sends strict security headers on every behaviour, figures with a policy of their own', () => {
    const id = logicalId(template, 'AWS::CloudFront::ResponseHeadersPolicy', /SecurityHeaders/);
    const figures = logicalId(template, 'AWS::CloudFront::ResponseHeadersPolicy', /FigureHeaders/);
    for (const b of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) expect(b.ResponseHeadersPolicyId).toEqual({ Ref: b.PathPattern === '/figures/*' ? figures : id });
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    expect(Object.keys(policies).sort()).toEqual([figures, id].sort());
    // Both policies carry the same headers; only their CSP differs.
    template.resourcePropertiesCountIs('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Preload: true, Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        },
        CustomHeadersConfig: {
          Items: [Match.objectLike({ Header: 'Permissions-Policy', Value: Match.stringLikeRegexp('camera=\\(\\).*microphone=\\(\\)') })],
        },
      }),
    }, 2);
  });

  it('sandboxes /figures/*: an SVG opened on its own can run no script, navigate nowhere and load nothing', () => {
    const figures = logicalId(template, 'AWS::CloudFront::ResponseHeadersPolicy', /FigureHeaders/);
    const csp: string = template.toJSON().Resources[figures].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    const directives = csp.split('; ');
    expect(directives).toContain('sandbox');
    expect(directives).toContain("default-src 'none'");
    expect(directives).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src|connect-src|unsafe-|\*/);
    expect(behavior('/figures/*').ResponseHeadersPolicyId).toEqual({ Ref: figures });
  });

  it('allows no inline script or style and connects only to itself and the hosted sign-in', () => {
    const policy = template.toJSON().Resources[logicalId(template, 'AWS::CloudFront::ResponseHeadersPolicy', /SecurityHeaders/)];
    const csp = JSON.stringify(policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).toMatch(/style-src 'self';/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const hostedUi = logicalId(template, 'AWS::Cognito::UserPoolDomain', /HostedUi/);
    expect(csp).toContain(`connect-src 'self' https://",{"Ref":"${hostedUi}"},".auth.`);
  });

  it('publishes the sign-in settings as /config.json without pruning lesson pages', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Prune: false,
      DistributionPaths: ['/config.json'],
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
  });

  it('uses the default certificate and no aliases without a custom domain', () => {
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
  });
});

describe('a custom domain', () => {
  it('adds the aliases with the us-east-1 certificate, TLS 1.2 (2021) and sign-in callbacks on it', () => {
    const { template, stack } = synth({ stage: 'prod', domainName: 'learn.example.org', certificateArn: CERTIFICATE });
    const config = distributionConfig(template);
    expect(config.Aliases).toEqual(['learn.example.org']);
    expect(config.ViewerCertificate).toMatchObject({
      AcmCertificateArn: CERTIFICATE,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: Match.arrayWith(['https://learn.example.org/auth/callback/']),
      LogoutURLs: Match.arrayWith(['https://learn.example.org/']),
    });
    expect(nagErrors(stack)).toEqual([]);
  });

  it('refuses a certificate outside us-east-1 or a domain without one', () => {
    expect(() => synth({ domainName: 'learn.example.org', certificateArn: CERTIFICATE.replace('us-east-1', 'eu-west-1') })).toThrow(/us-east-1/);
    expect(() => synth({ domainName: 'learn.example.org' })).toThrow(/both -c domainName=\.\.\. and -c certificateArn=\.\.\./);
  });
});
