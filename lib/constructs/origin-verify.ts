import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ORIGIN_SECRET_ARN_ENV } from '../../lambdas/middleware/origin-secrets';
import { ORIGIN_VERIFY_HEADER } from '../../lambdas/middleware/origin-verify';
import { acknowledge } from '../nag';
import { RungsFunction } from './rungs-function';

export interface OriginVerifyProps {
  removalPolicy: RemovalPolicy;
}

export interface RotationProps {
  distribution: IDistribution;
  logRetention: RetentionDays;
  /** Days between rotations (Secrets Manager schedules them). */
  every?: Duration;
}

/**
 * A shared secret CloudFront adds to every API request (`x-origin-verify`); the API refuses (403)
 * any request without a current value (lambdas/middleware/origin-verify.ts), so its `execute-api`
 * URL cannot bypass CloudFront and its WAF. Secrets Manager generates the value. CloudFront gets it
 * through a dynamic reference resolved at deploy time; the functions read it at runtime by ARN
 * (`secretArnEnvironment`), with a cache, accepting the current, pending and previous values, so a
 * rotation (`enableRotation`) needs no deployment: its function writes the pending value into the
 * distribution's origin header before making it current.
 */
export class OriginVerify extends Construct {
  readonly secret: Secret;
  /** The dynamic reference to the secret's value: for CloudFront's origin header only, never a file. */
  readonly value: string;
  rotation?: RungsFunction;
  private readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: OriginVerifyProps) {
    super(scope, id);
    this.removalPolicy = props.removalPolicy;
    this.secret = new Secret(this, 'Secret', {
      description: `Header value CloudFront sends to the API (${ORIGIN_VERIFY_HEADER})`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    this.value = this.secret.secretValue.unsafeUnwrap();
    acknowledge(this.secret, {
      'NIST.800.53.R5-SecretsManagerUsingKMSKey':
        'Encrypted with the AWS managed key aws/secretsmanager; who may read it is decided by IAM (the API functions read, the rotation function writes). The value also sits in the distribution config, which a customer key could not protect.',
    });
  }

  /** Environment that tells the API functions where to read the accepted values. */
  get secretArnEnvironment(): Record<string, string> {
    return { [ORIGIN_SECRET_ARN_ENV]: this.secret.secretArn };
  }

  /** Lets a function read the secret's current, pending and previous values. */
  grantRead(fn: IFunction): void {
    this.secret.grantRead(fn);
  }

  /** Rotates the secret on a schedule, updating the distribution's origin header as it goes. */
  enableRotation(props: RotationProps): RungsFunction {
    const fn = new RungsFunction(this, 'RotationFunction', {
      entry: 'lambdas/rotation/handler.ts',
      description: 'Rotates the origin-verify secret and the CloudFront origin header that carries it',
      timeout: Duration.seconds(30),
      memorySize: 256,
      logRetention: props.logRetention,
      logRemovalPolicy: this.removalPolicy,
      noDeadLetterQueueBecause: 'Secrets Manager invokes each rotation step and waits for its answer, retrying a failed step itself; the pending version keeps the state, so there is no event to keep.',
      environment: { DISTRIBUTION_ID: props.distribution.distributionId, ORIGIN_HEADER: ORIGIN_VERIFY_HEADER },
    });
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'], resources: [props.distribution.distributionArn] }),
    );
    this.secret.addRotationSchedule('Rotation', {
      rotationLambda: fn,
      automaticallyAfter: props.every ?? Duration.days(30),
      // The first rotation waits for the schedule (or `aws secretsmanager rotate-secret`), not the first deploy.
      rotateImmediatelyOnUpdate: false,
    });
    acknowledge(fn, {
      'AwsSolutions-IAM5[Resource::*]':
        'X-Ray PutTraceSegments/PutTelemetryRecords and secretsmanager:GetRandomPassword (added by CDK\'s rotation schedule grant) have no resource-level permissions; every other action is on this secret and this distribution.',
    });
    this.rotation = fn;
    return fn;
  }
}

