import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, BASIC_EXECUTION_ROLE, COMMON_FINDINGS } from '../nag';
import { fromRoot } from '../paths';

export interface RungsFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'logGroup'> {
  /** Handler module relative to the repository root; it exports `handler`. */
  entry: string;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /**
   * Why failed invocations need no dead-letter queue (e.g. "API Gateway invokes it synchronously").
   * Without it the NIST and Serverless DLQ findings stay open: an asynchronously invoked function
   * must get a DLQ or an on-failure destination instead.
   */
  noDeadLetterQueueBecause?: string;
}

/**
 * The one way Rungs creates a function: Node.js 24 on ARM64, bundled by esbuild as minified ESM with
 * source maps, an explicit log group with retention, active tracing. Any CDK prop can be overridden.
 */
export class RungsFunction extends NodejsFunction {
  readonly functionLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RungsFunctionProps) {
    const { entry, logRetention, logRemovalPolicy, bundling, environment, noDeadLetterQueueBecause, ...overrides } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy: logRemovalPolicy });
    acknowledge(logGroup, COMMON_FINDINGS.logKey);
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...overrides,
      entry: fromRoot(entry),
      handler: 'handler',
      projectRoot: fromRoot(),
      depsLockFilePath: fromRoot('package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        logLevel: LogLevel.WARNING,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // Some dependencies still call require(); ESM bundles need it defined.
        banner: "import { createRequire as __rungsCreateRequire } from 'node:module'; const require = __rungsCreateRequire(import.meta.url);",
        ...bundling,
      },
    });
    this.functionLogGroup = logGroup;

    acknowledge(this, {
      [BASIC_EXECUTION_ROLE]: 'The AWS managed basic execution role only allows writing to CloudWatch Logs, which every function needs.',
      'AwsSolutions-IAM5[Resource::*]': 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; active tracing needs them on "*".',
      ...COMMON_FINDINGS.vpc,
      ...COMMON_FINDINGS.concurrency,
      ...COMMON_FINDINGS.inlinePolicy,
      ...(noDeadLetterQueueBecause ? { 'NIST.800.53.R5-LambdaDLQ': noDeadLetterQueueBecause, 'Serverless-LambdaDLQ': noDeadLetterQueueBecause } : {}),
    });
  }
}
