import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { IngestQueue } from './ingest';
import { RENDER_TRIGGER } from './s3-handler';

/**
 * The ingest queue as ingest sees it: how many events still wait (so a batch leaves the render pass
 * to the one that will take them), and a delayed message that makes sure a render follows a batch
 * that left it to others. Kept apart because tests cannot load the client.
 */
export function sqsIngestQueue(queueUrl: string): IngestQueue {
  const client = new SQSClient({});
  return {
    async waiting() {
      const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    },
    async scheduleRender(delaySeconds) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(RENDER_TRIGGER), DelaySeconds: Math.min(900, Math.ceil(delaySeconds)) }));
    },
  };
}
