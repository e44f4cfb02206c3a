import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { Invalidator } from './ingest';

/**
 * CloudFront invalidation for the ingest Lambda. Kept apart because tests cannot load the client;
 * ingest only sees the `Invalidator` interface.
 */
export function cloudFrontInvalidator(distributionId: string): Invalidator {
  const client = new CloudFrontClient({});
  return {
    async invalidate(paths) {
      const unique = [...new Set(paths)];
      await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: { CallerReference: `ingest-${Date.now()}-${Math.random().toString(36).slice(2)}`, Paths: { Quantity: unique.length, Items: unique } },
        }),
      );
    },
  };
}
