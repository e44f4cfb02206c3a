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
   * On by default in prod, off in dev; `-c edgeWaf=on|off` overrides.
   */
  edgeWaf: { enabled: boolean; requestsPerWindow: number; windowSeconds: 60 | 120 | 300 | 600 };
  /** Optional settings read from context (`-c name=value`); see docs/configuration.md. */
  domain?: CustomDomain;
  identity: IdentityConfig;
  /** Where alarm notifications are emailed; without it the SNS topic has no subscriber. */
  alarmEmail?: string;
  /** Cognito's email through Amazon SES instead of its built-in sender (about 50 emails a day). */
  email?: SesEmail;
}

/** A verified SES identity Cognito sends verification and password-reset email from. */
export interface SesEmail {
  fromAddress: string;
  fromName?: string;
  replyTo?: string;
  /** SES region when it differs from the stack's (Cognito supports a fixed set of SES regions). */
  sesRegion?: string;
  /** The verified domain, when the identity is a domain rather than the address itself. */
  verifiedDomain?: string;
}

/** A custom domain on the distribution: an ACM certificate that must live in us-east-1. */
export interface CustomDomain {
  names: string[];
  certificateArn: string;
}

/**
 * Who signs learners in: a Cognito user pool created by the stack, or an existing OpenID Connect
 * issuer (then no user pool is created and the API trusts that issuer's tokens).
 */
export type IdentityConfig =
  | { kind: 'cognito' }
  | {
      kind: 'oidc';
      issuer: string;
      /** The client id the site signs in with; access tokens must carry it as audience. */
      audience: string;
      jwksUri?: string;
      /** Claim that lists the caller's groups (Cognito's `cognito:groups` is always read too). */
      groupsClaim?: string;
      authorizeEndpoint?: string;
      tokenEndpoint?: string;
      /** RFC 7009 revocation endpoint, used by "sign out" (needed with tokenEndpoint for sessions). */
      revocationEndpoint?: string;
    };

/** Reads one context value; empty strings count as unset so CI can pass `-c name=$VAR` blindly. */
export type ContextReader = (key: string) => unknown;

/** Settings fixed per stage; the rest comes from context (stageConfig below). */
type StageSettings = Omit<StageConfig, 'stage' | 'domain' | 'identity' | 'alarmEmail' | 'email'>;

const stages: Record<StageConfig['stage'], StageSettings> = {
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

export function stageConfig(stage: unknown, context: ContextReader = () => undefined): StageConfig {
  const name = stage ?? 'dev';
  if (name !== 'dev' && name !== 'prod') {
    throw new Error(`Unknown stage "${String(name)}": use -c stage=dev or -c stage=prod`);
  }
  const setting = optionalSetting(context);
  const alarmEmail = setting('alarmEmail');
  const domain = customDomain(setting);
  const email = sesEmail(setting);
  const edgeWaf = setting('edgeWaf');
  if (edgeWaf !== undefined && edgeWaf !== 'on' && edgeWaf !== 'off') throw new Error(`edgeWaf must be on or off, got "${edgeWaf}"`);
  return {
    stage: name,
    ...stages[name],
    ...(edgeWaf ? { edgeWaf: { ...stages[name].edgeWaf, enabled: edgeWaf === 'on' } } : {}),
    identity: identityConfig(setting),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(domain ? { domain } : {}),
    ...(email ? { email } : {}),
  };
}

const EMAIL = /^[^\s@]+@([^\s@]+\.[^\s@]+)$/;

function sesEmail(setting: Setting): SesEmail | undefined {
  const fromAddress = setting('sesFromAddress');
  const others = ['sesFromName', 'sesReplyTo', 'sesRegion', 'sesVerifiedDomain'].filter((key) => setting(key) !== undefined);
  if (!fromAddress) {
    if (others.length) throw new Error(`${others.join(', ')} need -c sesFromAddress=...`);
    return undefined;
  }
  if (!EMAIL.test(fromAddress)) throw new Error(`sesFromAddress must be an email address, got "${fromAddress}"`);
  const replyTo = setting('sesReplyTo');
  if (replyTo !== undefined && !EMAIL.test(replyTo)) throw new Error(`sesReplyTo must be an email address, got "${replyTo}"`);
  const sesRegion = setting('sesRegion');
  if (sesRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(sesRegion)) throw new Error(`sesRegion must be a region name, got "${sesRegion}"`);
  const verifiedDomain = setting('sesVerifiedDomain');
  if (verifiedDomain !== undefined && !fromAddress.endsWith(`@${verifiedDomain}`)) {
    throw new Error(`sesFromAddress must be an address of sesVerifiedDomain "${verifiedDomain}"`);
  }
  const fromName = setting('sesFromName');
  return {
    fromAddress,
    ...(fromName ? { fromName } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(sesRegion ? { sesRegion } : {}),
    ...(verifiedDomain ? { verifiedDomain } : {}),
  };
}

/** A string setting from context, or undefined when absent or empty. */
export function optionalSetting(context: ContextReader) {
  return (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`Context "${key}" must be a string`);
    return value.trim() || undefined;
  };
}

type Setting = ReturnType<typeof optionalSetting>;

function customDomain(setting: Setting): CustomDomain | undefined {
  const names = setting('domainName')?.split(',').map((n) => n.trim()).filter(Boolean);
  const certificateArn = setting('certificateArn');
  if (!names?.length && !certificateArn) return undefined;
  if (!names?.length || !certificateArn) {
    throw new Error('A custom domain needs both -c domainName=... and -c certificateArn=...');
  }
  // CloudFront only accepts certificates from us-east-1, whatever region the stack is in.
  if (!/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new Error(`certificateArn must be an ACM certificate in us-east-1, got "${certificateArn}"`);
  }
  return { names, certificateArn };
}

function identityConfig(setting: Setting): IdentityConfig {
  const issuer = setting('oidcIssuer');
  const audience = setting('oidcAudience');
  if (!issuer && !audience) return { kind: 'cognito' };
  if (!issuer || !audience) throw new Error('An external identity provider needs both -c oidcIssuer=... and -c oidcAudience=...');
  const jwksUri = setting('oidcJwksUri');
  const groupsClaim = setting('oidcGroupsClaim');
  const authorizeEndpoint = setting('oidcAuthorizeEndpoint');
  const tokenEndpoint = setting('oidcTokenEndpoint');
  const revocationEndpoint = setting('oidcRevocationEndpoint');
  for (const url of [issuer, jwksUri, authorizeEndpoint, tokenEndpoint, revocationEndpoint]) {
    if (url !== undefined && !url.startsWith('https://')) throw new Error(`Identity provider URLs must use https: "${url}"`);
  }
  return {
    kind: 'oidc',
    issuer: issuer.replace(/\/$/, ''),
    audience,
    ...(jwksUri ? { jwksUri } : {}),
    ...(groupsClaim ? { groupsClaim } : {}),
    ...(authorizeEndpoint ? { authorizeEndpoint } : {}),
    ...(tokenEndpoint ? { tokenEndpoint } : {}),
    ...(revocationEndpoint ? { revocationEndpoint } : {}),
  };
}
