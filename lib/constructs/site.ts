import { Annotations, Duration, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AccessLevel,
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type BehaviorOptions,
  type DistributionProps,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { ObjectOwnership, type Bucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source, type BucketDeploymentProps } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { SESSION_COOKIE } from '../../lambdas/session/cookie';
import { join } from 'node:path';
import { ERROR_PAGES, type AssetManifest } from '../../lambdas/render';
import { buildSite, writeSite } from '../../web/build';
import { contentSecurityPolicy, figureContentSecurityPolicy } from '../../web/csp';
import { FIGURE_PREFIX } from '../../lambdas/domain/figures';

// The policy lives beside the site it constrains, so the local platform sends the very same one.
export { contentSecurityPolicy, figureContentSecurityPolicy };
import type { StageConfig } from '../config';
import { acknowledge, arnRef, BASIC_EXECUTION_ROLE, bootstrapAssetBucketObjects, CDK_HANDLER_FINDINGS, stackSingletons } from '../nag';
import { secureBucket } from './secure-bucket';

export interface SiteProps {
  config: StageConfig;
  httpApi: IHttpApi;
  /** Origins (`https://host`) the browser may call besides its own: the identity provider's. */
  connectOrigins?: string[];
  /** Written to `/config.json` at deploy time; public values only. */
  siteConfig?: Record<string, unknown>;
  /** Sent to the API on every request as `x-origin-verify`, proving the request came through CloudFront. */
  originVerifyHeader?: string;
  distributionOverrides?: Partial<DistributionProps>;
}

/** The header that carries the viewer's address from CloudFront to the API (see lambdas/middleware/client-ip.ts). */
export const VIEWER_ADDRESS_HEADER = 'CloudFront-Viewer-Address';
/**
 * Viewer headers the API receives (CloudFront allows at most 10 per policy). Authorization travels in
 * the API cache key instead (see below). A header a handler starts reading must be added here:
 * test/infra/edge.test.ts compares this list with the headers read under lambdas/.
 */
const API_VIEWER_HEADERS = ['Accept', 'Content-Type', 'Idempotency-Key', 'If-None-Match', 'Origin', 'Sec-Fetch-Site', 'User-Agent'];
const ONE_YEAR = Duration.days(365);

/**
 * The learner site: a private bucket behind CloudFront (Origin Access Control, HTTPS only, HTTP/2
 * and 3, compression), with `/api/*` sent to the HTTP API on the same origin so the browser never
 * needs CORS, a strict set of security headers on every response, and an optional custom domain.
 */
export class Site extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** The same headers for `/figures/*`, with a CSP that sandboxes a figure opened on its own. */
  readonly figureHeadersPolicy: ResponseHeadersPolicy;
  /** `https://<distribution domain>` plus `https://<custom domain>` for each alias. */
  readonly origins: string[];
  /** Logical asset name → hashed file name: whoever renders pages (the ingest function) needs it. */
  readonly assetManifest: AssetManifest;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    const { config } = props;

    this.logBucket = secureBucket(this, 'LogBucket', {
      removalPolicy: config.removalPolicy,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(this.logBucket, {
      'AwsSolutions-S1': 'This is the access-log bucket; logging it into itself would loop.',
      'NIST.800.53.R5-S3BucketReplicationEnabled': 'Access logs are kept 90 days for investigation; losing a region\'s logs loses no learner data, and replicating them doubles their cost.',
      'NIST.800.53.R5-S3BucketVersioningEnabled': 'Log objects are written once by S3 and CloudFront and never overwritten; they expire after 90 days.',
      'NIST.800.53.R5-S3DefaultEncryptionKMS': 'S3 server access logging only delivers to targets encrypted with SSE-S3, which this bucket uses.',
    });

    this.bucket = secureBucket(this, 'Bucket', {
      removalPolicy: config.removalPolicy,
      accessLogs: { bucket: this.logBucket, prefix: 's3/site/' },
    });
    acknowledge(this.bucket, {
      'NIST.800.53.R5-S3BucketReplicationEnabled': 'Every object is derived: pages are rendered by ingest from the versioned content bucket and assets come from the site build, so a lost bucket is rebuilt by a deploy and a republish.',
      'NIST.800.53.R5-S3BucketVersioningEnabled': 'Every object is derived (rendered pages, content-hashed assets) and rewritten by ingest or a deployment; the versioned source of truth is the content bucket.',
      'NIST.800.53.R5-S3DefaultEncryptionKMS': 'The bucket holds public lesson pages and assets served through CloudFront; SSE-S3 encrypts them at rest, and a customer key would add a key policy for CloudFront\'s origin access without protecting anything secret.',
    });

    // `/lessons/x/` → `/lessons/x/index.html`: S3 behind OAC has no directory indexes.
    const indexRewrite = new CloudFrontFunction(this, 'IndexRewrite', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serve index.html for paths that end in a slash',
      code: FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.endsWith('/')) { r.uri += 'index.html'; } return r; }",
      ),
    });

    const securityHeaders = (id: string, comment: string, csp: string) =>
      new ResponseHeadersPolicy(this, id, {
        comment: `${comment} (${config.stage})`,
        securityHeadersBehavior: {
          contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
          strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
          frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
          contentTypeOptions: { override: true },
          referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        },
        customHeadersBehavior: {
          customHeaders: [{ header: 'Permissions-Policy', value: PERMISSIONS_POLICY, override: true }],
        },
      });
    this.responseHeadersPolicy = securityHeaders('SecurityHeaders', 'Rungs security headers', contentSecurityPolicy(props.connectOrigins ?? []));
    // Authors' files, served from the site's own origin: opened directly, an SVG is a document there.
    this.figureHeadersPolicy = securityHeaders('FigureHeaders', 'Rungs figures: security headers, sandboxed', figureContentSecurityPolicy());

    // Pages change when lessons are re-ingested: a minute at the edge, never more than five.
    const htmlCache = new CachePolicy(this, 'HtmlCache', {
      comment: 'HTML: short-lived',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(60),
      maxTtl: Duration.minutes(5),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // Files under /assets/ are named by their content hash: a changed file is a new name.
    const assetCache = new CachePolicy(this, 'AssetCache', {
      comment: 'Static assets: immutable for a year',
      minTtl: ONE_YEAR,
      defaultTtl: ONE_YEAR,
      maxTtl: ONE_YEAR,
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // Not cached (the API answers `no-store`; default TTL 0), but Authorization must be in the cache
    // key: CloudFront only forwards it to a custom origin from there, and the key keeps users apart.
    const apiCache = new CachePolicy(this, 'ApiCache', {
      comment: 'API: uncached, Authorization and query strings forwarded',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // An allow list, not "all viewer headers except Host": CloudFront cannot add its own headers
    // (CloudFront-Viewer-Address) to an all-except policy, and API Gateway rejects a foreign Host.
    const apiRequests = new OriginRequestPolicy(this, 'ApiRequests', {
      comment: 'API: viewer headers the API reads, the viewer address, all query strings, the session cookie only',
      headerBehavior: OriginRequestHeaderBehavior.allowList(...API_VIEWER_HEADERS, VIEWER_ADDRESS_HEADER),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      // The sealed session cookie is read by /api/auth/* only; no other cookie ever reaches the API.
      cookieBehavior: OriginRequestCookieBehavior.allowList(SESSION_COOKIE),
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    // LIST lets S3 answer 404 (not 403) for a missing page, so the 404 page below shows for it while
    // the API's own 403s (authors-only routes) pass through untouched.
    const siteOrigin = S3BucketOrigin.withOriginAccessControl(this.bucket, { originAccessLevels: [AccessLevel.READ, AccessLevel.LIST] });
    const siteBehavior = (cachePolicy: CachePolicy, responseHeadersPolicy = this.responseHeadersPolicy): BehaviorOptions => ({
      origin: siteOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
      cachePolicy,
      responseHeadersPolicy,
    });
    const domain = config.domain;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Rungs site (${config.stage})`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      ...(domain
        ? {
            domainNames: domain.names,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      // Distribution-wide, so /api/* answers are affected too: only 404 (the API's problem body is
      // replaced, its status kept; the site's client falls back to the status) and the gateway errors
      // 502/504 that no Rungs handler renders itself. 500 and 503 keep their problem bodies and
      // Retry-After. Short error caching: a page published a minute later must appear.
      errorResponses: [
        { httpStatus: 404, responseHttpStatus: 404, responsePagePath: `/${ERROR_PAGES.notFound}`, ttl: Duration.seconds(30) },
        ...[502, 504].map((httpStatus) => ({ httpStatus, responseHttpStatus: httpStatus, responsePagePath: `/${ERROR_PAGES.unavailable}`, ttl: Duration.seconds(10) })),
      ],
      defaultBehavior: {
        ...siteBehavior(htmlCache),
        functionAssociations: [{ function: indexRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/assets/*': siteBehavior(assetCache),
        // Figures that ingest publishes are named by their content hash too (lambdas/events/figures.ts),
        // and sandboxed: an author's SVG opened on its own may neither run script nor navigate.
        [`/${FIGURE_PREFIX}*`]: siteBehavior(assetCache, this.figureHeadersPolicy),
        '/api/*': {
          origin: new HttpOrigin(apiDomain, {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
            ...(props.originVerifyHeader ? { customHeaders: { 'x-origin-verify': props.originVerifyHeader } } : {}),
          }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: apiCache,
          originRequestPolicy: apiRequests,
          responseHeadersPolicy: this.responseHeadersPolicy,
          compress: true,
        },
      },
      ...props.distributionOverrides,
    });
    Annotations.of(this.distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'defaultRootObject is index.html and the viewer-request function maps every folder URL to its index.html, so no request lists the bucket; LIST only turns a missing key into a 404.',
    );
    this.origins = [`https://${this.distribution.distributionDomainName}`, ...(domain?.names ?? []).map((name) => `https://${name}`)];
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'A learning site is meant for learners everywhere; there is no country to block.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason: 'Abuse is handled per user in the API (rate limiter) and by API stage throttling; an IP-based WAF rule is an opt-in per stage.',
    });
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason: 'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy cannot be changed; a custom domain gets TLSv1.2_2021.',
      });
    }

    // The site build shared with the local platform (web/build.ts): content-hashed assets, so they are
    // immutable for a year in browsers and at the edge, and the pages that need no content.
    const build = buildSite();
    this.assetManifest = build.manifest;
    // Written inside the cloud assembly being synthesized, so it goes wherever cdk.out goes.
    const { assetsDir, pagesDir } = writeSite(build, join(Stage.of(this)!.outdir, `site-build-${this.node.addr}`));
    // No distribution: a new hashed name needs no invalidation.
    const assets = new BucketDeployment(this, 'Assets', {
      destinationBucket: this.bucket,
      sources: [Source.asset(assetsDir)],
      destinationKeyPrefix: 'assets/',
      // prune: false keeps the previous build's files, so pages rendered before this deployment
      // (lesson pages are only re-rendered by ingest) still find the assets they link.
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
    });
    // prune: false, or the deployment would delete every lesson page beside these.
    this.deploy('Pages', {
      sources: [Source.asset(pagesDir)],
      prune: false,
      cacheControl: [CacheControl.noCache()],
      distributionPaths: [...build.pages.keys()].map((key) => `/${key.replace(/index\.html$/, '')}*`),
    });
    if (props.siteConfig) {
      // prune: false, or the deployment would delete every lesson page beside config.json.
      this.deploy('Config', {
        sources: [Source.jsonData('config.json', props.siteConfig)],
        prune: false,
        cacheControl: [CacheControl.noCache()],
        distributionPaths: ['/config.json'],
      });
    }
    acknowledge(assets.handlerRole, {
      [BASIC_EXECUTION_ROLE]: 'CDK\'s asset-deployment function only needs to write its own logs.',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]': 'CDK\'s asset-deployment grant reads the staging asset bucket.',
      'AwsSolutions-IAM5[Action::s3:GetObject*]': 'CDK\'s asset-deployment grant reads the staged asset zip.',
      'AwsSolutions-IAM5[Action::s3:List*]': 'CDK\'s asset-deployment function lists the prefix it syncs.',
      'AwsSolutions-IAM5[Action::s3:Abort*]': 'CDK\'s asset-deployment function writes with multipart uploads.',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]': 'CDK\'s asset-deployment function prunes stale assets under assets/.',
      [`AwsSolutions-IAM5[Resource::${bootstrapAssetBucketObjects(this)}]`]: 'The staged asset lives in the CDK bootstrap bucket under a content-hash key.',
      [`AwsSolutions-IAM5[Resource::${arnRef(this.bucket)}/*]`]: 'Assets are synced under the assets/ prefix of the site bucket.',
      'AwsSolutions-IAM5[Resource::*]': 'CloudFront CreateInvalidation has no resource-level permissions in CDK\'s asset-deployment grant.',
    });
    for (const handler of stackSingletons(this, 'Custom::CDKBucketDeployment')) {
      acknowledge(handler, {
        'AwsSolutions-L1': 'CDK pins the runtime of its own asset-deployment function; it runs only during deployments.',
        ...CDK_HANDLER_FINDINGS,
      });
    }
  }

  private deploy(id: string, props: Omit<BucketDeploymentProps, 'destinationBucket' | 'distribution'>): BucketDeployment {
    return new BucketDeployment(this, id, { destinationBucket: this.bucket, distribution: this.distribution, ...props });
  }
}

const PERMISSIONS_POLICY = 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()';
