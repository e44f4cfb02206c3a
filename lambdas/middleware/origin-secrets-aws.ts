import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

// One attempt per stage and a 2 s budget: a slow Secrets Manager must not hold every request.
const client = new SecretsManagerClient({ maxAttempts: 1, requestHandler: { requestTimeout: 2000, connectionTimeout: 1000 } });
const STAGES = ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'] as const;

/** The secret's current, pending and previous values (a stage that does not exist is skipped). */
export async function loadOriginSecretValues(secretId: string): Promise<string[]> {
  const results = await Promise.allSettled(STAGES.map((VersionStage) => client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage }))));
  const current = results[0]!;
  if (current.status === 'rejected') throw current.reason as Error;
  return results.flatMap((r) => (r.status === 'fulfilled' && r.value.SecretString ? [r.value.SecretString] : []));
}
