/**
 * The slice of the CloudFront client the rotation function uses beyond lambdas/events/client-cloudfront.d.ts.
 * The Lambda runtime ships the package; it is not a dependency of this repo. Declarations merge per module.
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
