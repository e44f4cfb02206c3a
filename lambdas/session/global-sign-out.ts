/**
 * Cognito's own "sign out everywhere" (AdminUserGlobalSignOut), called by sign-out-everywhere and
 * account deletion in AWS after the local revocation (families ended, `revokedBefore` set). It makes
 * Cognito refuse every refresh token it issued to the user, including any a session cookie still
 * holds, and its access tokens for Cognito's own user APIs.
 *
 * Locally (no `COGNITO_USER_POOL_ID`, the oidc-provider issuer) it does nothing, on purpose: the
 * local revocation already ends every session (the refresh tokens exist only inside the cookies,
 * whose families are gone) and refuses every older access token; oidc-provider has no per-account
 * "revoke every grant" call to mirror it.
 */
export const USER_POOL_ENV = 'COGNITO_USER_POOL_ID';

export type GlobalSignOut = (sub: string) => Promise<'signed-out' | 'no-user-pool' | 'unknown-user'>;

/** Sends one command; the default loads the SDK client on first use (two routes need it, and rarely). */
export type CognitoSend = (input: { UserPoolId: string; Username: string }) => Promise<void>;

let client: Promise<CognitoSend> | undefined;
const defaultSend: CognitoSend = async (input) => {
  client ??= import('@aws-sdk/client-cognito-identity-provider').then(({ CognitoIdentityProviderClient, AdminUserGlobalSignOutCommand }) => {
    // Bounded: two attempts of at most 2 s, so a Cognito outage answers the route with an error, not a hang.
    const cognito = new CognitoIdentityProviderClient({ maxAttempts: 2, requestHandler: { requestTimeout: 2000, connectionTimeout: 1000 } });
    return async (command) => void (await cognito.send(new AdminUserGlobalSignOutCommand(command)));
  });
  await (await client)(input);
};

export function globalSignOut(options: { userPoolId?: string | undefined; send?: CognitoSend } = {}): GlobalSignOut {
  const userPoolId = (options.userPoolId ?? process.env[USER_POOL_ENV])?.trim();
  const send = options.send ?? defaultSend;
  return async (sub) => {
    if (!userPoolId) return 'no-user-pool';
    try {
      // With email as the sign-in alias, a user's username is its sub, which Cognito accepts here.
      await send({ UserPoolId: userPoolId, Username: sub });
      return 'signed-out';
    } catch (error) {
      // A deleted (or never federated) user has no tokens left to invalidate.
      if (error instanceof Error && error.name === 'UserNotFoundException') return 'unknown-user';
      throw error;
    }
  };
}
