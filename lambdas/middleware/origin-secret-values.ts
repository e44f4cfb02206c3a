import { readSecretString } from '../secrets/extension';

const STAGES = ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'] as const;

/**
 * The secret's current, pending and previous values (a stage that does not exist is skipped), read
 * through the secrets extension with a 2 s bound each: a slow Secrets Manager must not hold every request.
 */
export async function loadOriginSecretValues(secretId: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const results = await Promise.allSettled(STAGES.map((versionStage) => readSecretString(secretId, { versionStage, env })));
  const current = results[0]!;
  if (current.status === 'rejected') throw current.reason as Error;
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}
