/**
 * The slice of @aws-sdk/client-sqs the ingest's queue adapter uses. The Lambda runtime ships the
 * package (NodejsFunction keeps @aws-sdk/* external) but it is not a dependency of this repo, so
 * the types are declared here. Only lambdas/events/sqs.ts imports it.
 */
declare module '@aws-sdk/client-sqs' {
  export class GetQueueAttributesCommand {
    constructor(input: { QueueUrl: string; AttributeNames: string[] });
  }
  export class SendMessageCommand {
    constructor(input: { QueueUrl: string; MessageBody: string; DelaySeconds?: number });
  }
  export class SQSClient {
    constructor(config: Record<string, unknown>);
    send(command: GetQueueAttributesCommand): Promise<{ Attributes?: Record<string, string> }>;
    send(command: SendMessageCommand): Promise<unknown>;
  }
}
