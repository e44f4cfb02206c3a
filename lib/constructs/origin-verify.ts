import type { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

export interface OriginVerifyProps {
  removalPolicy: RemovalPolicy;
}

/**
 * A shared secret CloudFront adds to every API request (`x-origin-verify`) and the API compares,
 * so that `CloudFront-Viewer-Address` is trusted only on requests that really came through the
 * distribution. Secrets Manager generates the value; the template carries only a dynamic reference
 * (`{{resolve:secretsmanager:…}}`) that CloudFormation resolves at deploy time, for both sides.
 */
export class OriginVerify extends Construct {
  readonly secret: Secret;
  /** The dynamic reference to the secret's value: put it in resource properties, never in a file. */
  readonly value: string;

  constructor(scope: Construct, id: string, props: OriginVerifyProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'Header value CloudFront sends to the API (x-origin-verify)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(this.secret, {
      'AwsSolutions-SMG4': 'Rotation is a redeploy, not a Lambda: CloudFront and the API functions read the value through dynamic references that CloudFormation resolves only on deployment (see docs/deploy.md, "Rotating the origin secret").',
    });
    this.value = this.secret.secretValue.unsafeUnwrap();
  }
}
