import { describe, expect, it } from 'vitest';
import { globalSignOut, type CognitoSend } from '../../lambdas/session/global-sign-out';

/** Cognito's AdminUserGlobalSignOut as sign-out-everywhere and deletion call it (the SDK call itself is replaced by a recorder). */
function recorder(fail?: Error) {
  const calls: Parameters<CognitoSend>[0][] = [];
  const send: CognitoSend = async (input) => {
    calls.push(input);
    if (fail) throw fail;
  };
  return { calls, send };
}

describe('signing out at Cognito', () => {
  it('signs the learner out of the configured user pool by their sub', async () => {
    // Prepare
    const { calls, send } = recorder();

    // Act
    const outcome = await globalSignOut({ userPoolId: 'eu-west-1_abc', send })('4f1c-sub');

    // Assess
    expect(outcome).toBe('signed-out');
    expect(calls).toEqual([{ UserPoolId: 'eu-west-1_abc', Username: '4f1c-sub' }]);
  });

  it('does nothing without a user pool (local issuer: the local revocation covers it)', async () => {
    const { calls, send } = recorder();
    expect(await globalSignOut({ userPoolId: '', send })('ada')).toBe('no-user-pool');
    expect(calls).toEqual([]);
  });

  it('treats a user Cognito no longer knows as signed out, and lets every other failure through', async () => {
    const gone = Object.assign(new Error('User does not exist.'), { name: 'UserNotFoundException' });
    const down = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    expect(await globalSignOut({ userPoolId: 'p', send: recorder(gone).send })('ada')).toBe('unknown-user');
    await expect(globalSignOut({ userPoolId: 'p', send: recorder(down).send })('ada')).rejects.toThrow('Rate exceeded');
  });
});
