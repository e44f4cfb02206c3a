/**
 * The slice of @aws-sdk/client-cloudfront the invalidation adapter uses. The Lambda runtime ships
 * the package (NodejsFunction keeps @aws-sdk/* external) but it is not a dependency of this repo,
 * so the types are declared here. Only lambdas/events/cloudfront.ts imports it.
 */
declare module '@aws-sdk/client-cloudfront' {
  export interface CreateInvalidationInput {
    DistributionId: string;
    InvalidationBatch: { CallerReference: string; Paths: { Quantity: number; Items: string[] } };
  }
  export class CreateInvalidationCommand {
    constructor(input: CreateInvalidationInput);
  }
  export class CloudFrontClient {
    constructor(config: Record<string, unknown>);
    send(command: CreateInvalidationCommand): Promise<unknown>;
  }
}
