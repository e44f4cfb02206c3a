/**
 * The slice of @aws-sdk/client-secrets-manager the origin-secret loader uses. The Lambda runtime ships
 * the package (NodejsFunction keeps @aws-sdk/* external) but it is not a dependency of this repo, so
 * the types are declared here. Only lambdas/middleware/origin-secrets-aws.ts imports it.
 */
declare module '@aws-sdk/client-secrets-manager' {
  export interface GetSecretValueInput {
    SecretId: string;
    VersionId?: string;
    VersionStage?: string;
  }
  export interface GetSecretValueOutput {
    SecretString?: string;
    VersionId?: string;
  }
  export class GetSecretValueCommand {
    constructor(input: GetSecretValueInput);
    readonly input: GetSecretValueInput & { get?: never };
  }
  export class SecretsManagerClient {
    constructor(config: Record<string, unknown>);
    send(command: GetSecretValueCommand): Promise<GetSecretValueOutput>;
  }
}
