import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type HttpApiProps } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ParamsAndSecretsLayerVersion, ParamsAndSecretsLogLevel, ParamsAndSecretsVersions } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { apiFunctions, type ApiFunction, type ApiFunctionName } from '../../lambdas/api/routes';
import { USER_POOL_ENV } from '../../lambdas/session/global-sign-out';
import type { StageConfig } from '../config';
import { acknowledge, arnRef, COMMON_FINDINGS } from '../nag';
import { grantRateLimitState } from './rate-limit-grant';
import { RungsFunction } from './rungs-function';

/**
 * IAM conditions for "only items whose partition key matches one of these patterns". ForAllValues
 * also holds for a request that names no leading key at all (a Scan): the Null guard refuses it.
 */
export function leadingKeys(patterns: readonly string[]) {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
}

/**
 * The AWS Parameters and Secrets Lambda Extension on every API function: each reads at least the
 * origin-verify secret, and the extension saves it loading the Secrets Manager SDK client at cold start
 * (lambdas/secrets/extension.ts). Its cache is off: the functions keep their own, with the lifetimes
 * the rotation runbook relies on (docs/deploy.md).
 */
export const SECRETS_EXTENSION = ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
  cacheEnabled: false,
  logLevel: ParamsAndSecretsLogLevel.WARN,
});

export interface ApiProps {
  config: StageConfig;
  table: TableV2;
  httpApiOverrides?: Partial<HttpApiProps>;
  /** Extra environment for every API function (identity, origin secret, metrics). */
  environment?: Record<string, string>;
  /** The Cognito user pool, when the stack has one: functions that sign out at the issuer may call AdminUserGlobalSignOut on it. */
  userPool?: IUserPool;
}

/**
 * The HTTP API: one function per route group of lambdas/api/routes.ts, each granted only the table
 * access it declares, behind a stage with throttling and access logs.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly functions: Record<ApiFunctionName, RungsFunction>;
  /** The secret the session cookie key is derived from; readable by the session routes only. */
  readonly sessionKey: Secret;
  /** The secret the anonymous-answer receipt key is derived from; readable by the attempts function only. */
  readonly receiptKey: Secret;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config, table } = props;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: `Rungs API (${config.stage})`,
      createDefaultStage: false,
      ...props.httpApiOverrides,
    });
    // The origin check and authentication run in each function's chain (lambdas/api/http.ts), not in an authorizer.
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Every route first refuses (403) any request without CloudFront\'s current origin secret, before any other work (lambdas/middleware/origin-verify.ts); routes that need a caller then verify its token with aws-jwt-verify. Most routes are public reads, which an API Gateway authorizer could only pass through.',
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: config.logRetention, removalPolicy: config.removalPolicy });
    acknowledge(accessLogs, COMMON_FINDINGS.logKey);
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // Generated at deploy time, never in the template; the session function derives its AES key from it.
    this.sessionKey = new Secret(this, 'SessionKey', {
      description: `Rungs session cookie key (${config.stage})`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: config.removalPolicy,
    });
    acknowledge(this.sessionKey, {
      'AwsSolutions-SMG4': 'Rotating the cookie key would end every session at once; it is rotated by hand (a new version) when compromise is suspected, and sessions are capped at 90 days anyway.',
      'NIST.800.53.R5-SecretsManagerRotationEnabled': 'Rotating the cookie key would end every session at once; it is rotated by hand (a new version) when compromise is suspected, and sessions are capped at 90 days anyway.',
      'NIST.800.53.R5-SecretsManagerUsingKMSKey': 'Encrypted with the aws/secretsmanager key; only the auth function\'s role may read this one secret, and a customer managed key would move that decision into a key policy without narrowing it.',
    });

    // The same for the receipts that prove anonymous answers (POST /api/me/merge): its own secret, so
    // the attempts function never holds material of the cookie key.
    this.receiptKey = new Secret(this, 'ReceiptKey', {
      description: `Rungs anonymous-answer receipt key (${config.stage})`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: config.removalPolicy,
    });
    acknowledge(this.receiptKey, {
      'AwsSolutions-SMG4': 'Rotating the receipt key only makes receipts issued before it unmergeable; it is rotated by hand (a new version) when compromise is suspected, and receipts expire after 30 days anyway.',
      'NIST.800.53.R5-SecretsManagerRotationEnabled': 'Rotating the receipt key only makes receipts issued before it unmergeable; it is rotated by hand (a new version) when compromise is suspected, and receipts expire after 30 days anyway.',
      'NIST.800.53.R5-SecretsManagerUsingKMSKey': 'Encrypted with the aws/secretsmanager key; only the attempts function\'s role may read this one secret, and a customer managed key would move that decision into a key policy without narrowing it.',
    });

    const functions = {} as Record<ApiFunctionName, RungsFunction>;
    for (const [name, spec] of Object.entries(apiFunctions) as [ApiFunctionName, (typeof apiFunctions)[ApiFunctionName]][]) {
      const fn = new RungsFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        entry: spec.entry,
        description: spec.description,
        logRetention: config.logRetention,
        logRemovalPolicy: config.removalPolicy,
        noDeadLetterQueueBecause: 'API Gateway invokes it synchronously: a failure is answered to the caller as a 5xx and counted by the errors alarm; a DLQ only ever receives failed asynchronous invocations.',
        paramsAndSecrets: SECRETS_EXTENSION,
        environment: {
          ...props.environment,
          TABLE_NAME: table.tableName,
          RUNGS_STAGE: config.stage,
          ...('needsSessionKey' in spec && spec.needsSessionKey ? { SESSION_KEY_SECRET_ARN: this.sessionKey.secretArn } : {}),
          ...('needsReceiptKey' in spec && spec.needsReceiptKey ? { RECEIPT_KEY_SECRET_ARN: this.receiptKey.secretArn } : {}),
          ...('signsOutAtIssuer' in spec && spec.signsOutAtIssuer && props.userPool ? { [USER_POOL_ENV]: props.userPool.userPoolId } : {}),
        },
      });
      if ('needsSessionKey' in spec && spec.needsSessionKey) this.sessionKey.grantRead(fn);
      if ('needsReceiptKey' in spec && spec.needsReceiptKey) this.receiptKey.grantRead(fn);
      if ('signsOutAtIssuer' in spec && spec.signsOutAtIssuer && props.userPool) {
        fn.addToRolePolicy(new PolicyStatement({ actions: ['cognito-idp:AdminUserGlobalSignOut'], resources: [props.userPool.userPoolArn] }));
      }
      const access = spec.tableAccess as ApiFunction['tableAccess'];
      const reads = spec.tableReads as ApiFunction['tableReads'];
      // Reads and writes only where the function's data lives, e.g. a learner's own partition (USER#…).
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
          resources: [table.tableArn],
          conditions: leadingKeys(reads.partitions),
        }),
      );
      // Each index it queries by name: `<table>/index/*` would also cover indexes added later.
      if (reads.indexes?.length) {
        fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: reads.indexes.map((index) => `${table.tableArn}/index/${index}`) }));
      }
      if (access !== 'read') {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: access.write.map((action) => `dynamodb:${action}`), resources: [table.tableArn], conditions: leadingKeys(access.partitions) }),
        );
      }
      grantRateLimitState(fn, table);
      const integration = new HttpLambdaIntegration(`${name}Integration`, fn);
      for (const route of spec.routes) {
        this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
      }
      functions[name] = fn;
    }
    this.functions = functions;
  }
}
