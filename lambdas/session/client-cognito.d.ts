/**
 * The slice of @aws-sdk/client-cognito-identity-provider that the global sign-out uses. The Lambda
 * runtime ships the package (NodejsFunction keeps @aws-sdk/* external); it is not a dependency of
 * this repository, so its types are declared here. Only lambdas/session/global-sign-out.ts imports it.
 */
declare module '@aws-sdk/client-cognito-identity-provider' {
  export interface AdminUserGlobalSignOutInput {
    UserPoolId: string;
    Username: string;
  }
  export class AdminUserGlobalSignOutCommand {
    constructor(input: AdminUserGlobalSignOutInput);
    readonly input: AdminUserGlobalSignOutInput;
  }
  export class CognitoIdentityProviderClient {
    constructor(config: Record<string, unknown>);
    send(command: AdminUserGlobalSignOutCommand): Promise<unknown>;
  }
}
