import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Per-stage settings, chosen with `-c stage=dev|prod`. Names of resources are left to CloudFormation,
 * and account and region come from the deploying credentials: nothing here is tied to one account.
 */
export interface StageConfig {
  stage: 'dev' | 'prod';
  /** dev: everything is deleted with the stack; prod: data survives it. */
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  logRetention: RetentionDays;
  /** HTTP API stage throttling: a coarse volumetric guard in front of the per-user limiter. */
  apiThrottle: { rateLimit: number; burstLimit: number };
  /**
   * Optional IP-based WAF rate rule on CloudFront for `/api/*` (lib/constructs/edge-waf.ts):
   * at most `requestsPerWindow` requests per client IP per `windowSeconds` (60, 120, 300 or 600).
   * Overridable with `-c edgeWaf=on|off`.
   */
  edgeWaf: { enabled: boolean; requestsPerWindow: number; windowSeconds: 60 | 120 | 300 | 600 };
}

const stages: Record<StageConfig['stage'], Omit<StageConfig, 'stage'>> = {
  dev: {
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: RetentionDays.ONE_WEEK,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    edgeWaf: { enabled: false, requestsPerWindow: 3000, windowSeconds: 300 },
  },
  prod: {
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: RetentionDays.THREE_MONTHS,
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    edgeWaf: { enabled: true, requestsPerWindow: 3000, windowSeconds: 300 },
  },
};

export function stageConfig(stage: unknown): StageConfig {
  const name = stage ?? 'dev';
  if (name !== 'dev' && name !== 'prod') {
    throw new Error(`Unknown stage "${String(name)}": use -c stage=dev or -c stage=prod`);
  }
  return { stage: name, ...stages[name] };
}
