import { randomBytes } from 'node:crypto';

/**
 * Rotation of the origin-verify secret, in Secrets Manager's four steps. The point is the order:
 * the new value reaches CloudFront (setSecret) while it is still only AWSPENDING, which the API
 * already accepts (lambdas/middleware/origin-secrets.ts); only then does it become AWSCURRENT
 * (finishSecret), and the old value stays accepted as AWSPREVIOUS while edges still send it. No
 * request is refused at any step, and no deployment is needed.
 */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** The secret's versions, as the rotation needs them (an adapter over Secrets Manager in production). */
export interface SecretVersions {
  /** version id → its staging labels; `rotationEnabled` false means the secret must not be touched. */
  describe(): Promise<{ rotationEnabled: boolean; versions: Record<string, string[]> }>;
  /** The value of a version, or undefined when that version does not carry the stage. */
  value(versionId: string, stage: 'AWSPENDING' | 'AWSCURRENT'): Promise<string | undefined>;
  putPending(versionId: string, value: string): Promise<void>;
  makeCurrent(versionId: string, previousCurrent: string | undefined): Promise<void>;
}

/** The header value CloudFront sends to the API origin (an adapter over the distribution config). */
export interface OriginHeader {
  read(): Promise<string>;
  write(value: string): Promise<void>;
}

export interface RotationDeps {
  secret: SecretVersions;
  header: OriginHeader;
  newValue?: () => string;
}

/** 48 URL-safe characters, like the value Secrets Manager generated at creation. */
export const newOriginSecret = () => randomBytes(36).toString('base64url');

export async function rotateOriginSecret(step: RotationStep, token: string, deps: RotationDeps): Promise<void> {
  const { secret, header } = deps;
  const { rotationEnabled, versions } = await secret.describe();
  if (!rotationEnabled) throw new Error('Rotation is not enabled on the origin-verify secret');
  const stages = versions[token];
  if (!stages) throw new Error(`Version ${token} is not a version of the origin-verify secret`);
  if (stages.includes('AWSCURRENT')) return; // this rotation already finished
  if (!stages.includes('AWSPENDING')) throw new Error(`Version ${token} is not pending`);

  const pending = async () => {
    const value = await secret.value(token, 'AWSPENDING');
    if (!value) throw new Error(`Version ${token} has no pending value`);
    return value;
  };

  switch (step) {
    case 'createSecret':
      // A retried step must not replace a value CloudFront may already send.
      if (!(await secret.value(token, 'AWSPENDING'))) await secret.putPending(token, (deps.newValue ?? newOriginSecret)());
      return;
    case 'setSecret': {
      const value = await pending();
      if ((await header.read()) !== value) await header.write(value);
      return;
    }
    case 'testSecret':
      if ((await header.read()) !== (await pending())) throw new Error('CloudFront does not send the pending origin secret');
      return;
    case 'finishSecret': {
      const current = Object.entries(versions).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      await secret.makeCurrent(token, current);
      return;
    }
  }
}
