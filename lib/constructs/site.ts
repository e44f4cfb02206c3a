import { Duration, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
  type DistributionProps,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Stack } from 'aws-cdk-lib';
import { ObjectOwnership, type Bucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { acknowledge, arnRef, BASIC_EXECUTION_ROLE, bootstrapAssetBucketObjects, stackSingletons } from '../nag';
import { fromRoot } from '../paths';
import { secureBucket } from './secure-bucket';

export interface SiteProps {
  config: StageConfig;
  httpApi: IHttpApi;
  distributionOverrides?: Partial<DistributionProps>;
}

/**
 * The learner site: a private bucket behind CloudFront (Origin Access Control, HTTPS only), with
 * `/api/*` sent to the HTTP API on the same origin so the browser never needs CORS.
 */
export class Site extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    const { config } = props;

    this.logBucket = secureBucket(this, 'LogBucket', {
      removalPolicy: config.removalPolicy,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });

    this.bucket = secureBucket(this, 'Bucket', {
      removalPolicy: config.removalPolicy,
      accessLogs: { bucket: this.logBucket, prefix: 's3/site/' },
    });

    // `/lessons/x/` → `/lessons/x/index.html`: S3 behind OAC has no directory indexes.
    const indexRewrite = new CloudFrontFunction(this, 'IndexRewrite', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serve index.html for paths that end in a slash',
      code: FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.endsWith('/')) { r.uri += 'index.html'; } return r; }",
      ),
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Rungs site (${config.stage})`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        compress: true,
        functionAssociations: [{ function: indexRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: true,
        },
      },
      ...props.distributionOverrides,
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'A learning site is meant for learners everywhere; there is no country to block.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason: 'Abuse is handled per user in the API (rate limiter) and by API stage throttling; an IP-based WAF rule is an opt-in per stage.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason: 'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy cannot be changed; a custom domain gets TLSv1.2_2021.',
    });

    // Shared static assets (styles, scripts). Lesson pages are written by the ingest function.
    const assets = new BucketDeployment(this, 'Assets', {
      sources: [Source.asset(fromRoot('web', 'static'))],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      cacheControl: [CacheControl.fromString('public, max-age=300')],
      distribution: this.distribution,
      distributionPaths: ['/assets/*'],
    });
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
      });
    }
  }
}
