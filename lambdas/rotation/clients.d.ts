/**
 * The slices of the AWS SDK clients the rotation function uses beyond those declared elsewhere
 * (lambdas/events/client-cloudfront.d.ts, lambdas/middleware/client-secrets-manager.d.ts). The Lambda
 * runtime ships the packages; they are not dependencies of this repo. Declarations merge per module.
 */
declare module '@aws-sdk/client-cloudfront' {
  export interface CustomHeader {
    HeaderName: string;
    HeaderValue: string;
  }
  export interface DistributionConfig {
    Origins?: { Items?: { Id: string; CustomHeaders?: { Quantity: number; Items?: CustomHeader[] } }[] };
    [key: string]: unknown;
  }
  export class GetDistributionConfigCommand {
    constructor(input: { Id: string });
    readonly input: { Id: string };
  }
  export class UpdateDistributionCommand {
    constructor(input: { Id: string; IfMatch: string; DistributionConfig: DistributionConfig });
    readonly input: { Id: string; IfMatch: string; DistributionConfig: DistributionConfig };
  }
  export interface CloudFrontClient {
    send(command: GetDistributionConfigCommand): Promise<{ DistributionConfig?: DistributionConfig; ETag?: string }>;
    send(command: UpdateDistributionCommand): Promise<unknown>;
  }
}

declare module '@aws-sdk/client-secrets-manager' {
  export class DescribeSecretCommand {
    constructor(input: { SecretId: string });
    readonly input: { SecretId: string; describe?: never };
  }
  export class PutSecretValueCommand {
    constructor(input: { SecretId: string; ClientRequestToken: string; SecretString: string; VersionStages: string[] });
    readonly input: { SecretId: string; ClientRequestToken: string; SecretString: string; VersionStages: string[] };
  }
  export class UpdateSecretVersionStageCommand {
    constructor(input: { SecretId: string; VersionStage: string; MoveToVersionId: string; RemoveFromVersionId?: string });
    readonly input: { SecretId: string; VersionStage: string; MoveToVersionId: string; RemoveFromVersionId?: string };
  }
  export interface SecretsManagerClient {
    send(command: DescribeSecretCommand): Promise<{ RotationEnabled?: boolean; VersionIdsToStages?: Record<string, string[]> }>;
    send(command: PutSecretValueCommand | UpdateSecretVersionStageCommand): Promise<unknown>;
  }
}
