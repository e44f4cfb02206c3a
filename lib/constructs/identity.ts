import { Annotations, Duration, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolDomain,
  UserPoolEmail,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CALLBACK_PATH } from '../../lambdas/render';
import type { IdentityConfig, StageConfig } from '../config';
import { acknowledge } from '../nag';

export interface IdentityProps {
  config: StageConfig;
}

/** The Cognito group whose members may read author analytics (checked by the API). */
export const AUTHORS_GROUP = 'authors';
/**
 * Where the identity provider sends the browser back after sign-in, on every site origin. A trailing
 * slash, so CloudFront's index rewrite serves `auth/callback/index.html` like any other page.
 */
export { CALLBACK_PATH };
const SCOPES = ['openid', 'email', 'profile'];

/**
 * Token lifetimes (docs/api.md "Sessions"): access and ID tokens 15 minutes; refresh tokens 90 days,
 * the absolute cap of a session (Cognito gives a rotated refresh token its predecessor's remaining
 * lifetime). The 30-day sliding inactivity window is enforced by the session routes.
 */
export const TOKEN_VALIDITY = { access: Duration.minutes(15), id: Duration.minutes(15), refresh: Duration.days(90) };

/**
 * Who the learners are: a Cognito user pool with a PKCE public client and its hosted UI, or an
 * external OpenID Connect issuer from configuration (then nothing is created here). Either way the
 * construct tells the API which tokens to trust (`apiEnvironment`), the site where to sign in
 * (`siteConfig`) and the CSP which origins the browser may talk to (`browserOrigins`).
 */
export class Identity extends Construct {
  readonly userPool?: UserPool;
  readonly client?: UserPoolClient;
  readonly domain?: UserPoolDomain;
  /** Environment of every API function: read by the auth middleware. */
  readonly apiEnvironment: Record<string, string>;
  /** The public sign-in settings the site reads from /config.json. No secret: the client is public. */
  readonly siteConfig: Record<string, unknown>;
  /** Origins the browser calls during sign-in (token endpoint, discovery), for connect-src. */
  readonly browserOrigins: string[];
  private readonly siteOrigins: string[] = [];
  /** The site origins as one comma-separated value, resolved once every origin is registered. */
  protected readonly siteOriginList = Lazy.string({ produce: () => this.siteOrigins.join(',') });

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const { config } = props;
    // SITE_ORIGINS: the Origin a request to a session (cookie) route may carry.
    const common = { AUTH_TOKEN_USE: 'access', AUTH_AUTHORS_GROUP: AUTHORS_GROUP, SITE_ORIGINS: this.siteOriginList };

    if (config.identity.kind === 'oidc') {
      const external = config.identity;
      this.apiEnvironment = {
        ...common,
        AUTH_ISSUER: external.issuer,
        AUTH_AUDIENCE: external.audience,
        ...(external.jwksUri ? { AUTH_JWKS_URI: external.jwksUri } : {}),
        ...(external.groupsClaim ? { AUTH_GROUPS_CLAIM: external.groupsClaim } : {}),
        // The session routes exchange and refresh through these; without them they refuse to start.
        ...(external.tokenEndpoint ? { AUTH_TOKEN_ENDPOINT: external.tokenEndpoint } : {}),
        ...(external.revocationEndpoint ? { AUTH_REVOCATION_ENDPOINT: external.revocationEndpoint } : {}),
      };
      this.siteConfig = externalSiteConfig(external);
      this.browserOrigins = [...new Set([external.issuer, external.tokenEndpoint].filter((u) => u !== undefined).map((u) => new URL(u).origin))];
      return;
    }

    const retain = config.removalPolicy === RemovalPolicy.RETAIN;
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      featurePlan: FeaturePlan.ESSENTIALS,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Learners may add an authenticator app; nobody is forced to, and SMS (cost, SIM swap) is off.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Cognito's own sender allows about 50 emails a day per account: fine for dev, not for learners.
      ...(config.email
        ? {
            email: UserPoolEmail.withSES({
              fromEmail: config.email.fromAddress,
              ...(config.email.fromName ? { fromName: config.email.fromName } : {}),
              ...(config.email.replyTo ? { replyTo: config.email.replyTo } : {}),
              ...(config.email.sesRegion ? { sesRegion: config.email.sesRegion } : {}),
              ...(config.email.verifiedDomain ? { sesVerifiedDomain: config.email.verifiedDomain } : {}),
            }),
          }
        : {}),
      // Prod: the pool (every learner's sign-in) cannot be deleted by a stack update or by hand by accident.
      deletionProtection: retain,
      removalPolicy: config.removalPolicy,
    });
    if (!config.email && config.stage === 'prod') {
      Annotations.of(this.userPool).addWarningV2(
        'rungs:cognito-default-email',
        'The prod user pool sends email with Cognito\'s built-in sender (about 50 a day): set -c sesFromAddress=... (docs/deploy.md, "Email through Amazon SES").',
      );
    }
    acknowledge(this.userPool, {
      'AwsSolutions-COG2': 'MFA is optional (TOTP) for learners: forcing it on a free learning site would keep most learners out; authors are encouraged to enable it.',
      'AwsSolutions-COG8': 'Threat protection needs the Plus feature plan, priced per monthly active user; Essentials with a 12-character password policy and optional TOTP is the chosen trade-off for a learning site.',
    });

    new CfnUserPoolGroup(this, 'AuthorsGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: AUTHORS_GROUP,
      description: 'Authors: may read analytics of their lessons',
    });

    // A hosted UI prefix must be unique in the region: derive it from the stack's own id (a UUID
    // assigned at creation), so no account or name is written here and two stacks never collide.
    const stackUuid = Fn.select(2, Fn.split('/', Stack.of(this).stackId));
    const prefix = Fn.join('-', ['rungs', config.stage, Fn.select(0, Fn.split('-', stackUuid))]);
    this.domain = this.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: prefix } });

    // Callback URLs are the site's origins, known only once the distribution exists (addSiteOrigin).
    const urls = (path: string) => Lazy.list({ produce: () => this.siteOrigins.map((origin) => `${origin}${path}`) });
    this.client = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { user: false, userPassword: false, userSrp: false, adminUserPassword: false, custom: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: urls(CALLBACK_PATH),
        logoutUrls: urls('/'),
      },
      preventUserExistenceErrors: true,
      // /oauth2/revoke for "sign out"; rotation on every refresh, with no grace period: the session
      // routes never resend a refresh, so a second use of a rotated token is always a copy.
      enableTokenRevocation: true,
      refreshTokenRotationGracePeriod: Duration.seconds(0),
      accessTokenValidity: TOKEN_VALIDITY.access,
      idTokenValidity: TOKEN_VALIDITY.id,
      refreshTokenValidity: TOKEN_VALIDITY.refresh,
    });

    const hostedUi = this.domain.baseUrl();
    this.apiEnvironment = {
      ...common,
      AUTH_ISSUER: this.userPool.userPoolProviderUrl,
      AUTH_AUDIENCE: this.client.userPoolClientId,
      AUTH_TOKEN_ENDPOINT: `${hostedUi}/oauth2/token`,
      AUTH_REVOCATION_ENDPOINT: `${hostedUi}/oauth2/revoke`,
    };
    this.siteConfig = {
      provider: 'cognito',
      issuer: this.userPool.userPoolProviderUrl,
      clientId: this.client.userPoolClientId,
      authorizeEndpoint: `${hostedUi}/oauth2/authorize`,
      tokenEndpoint: `${hostedUi}/oauth2/token`,
      logoutEndpoint: `${hostedUi}/logout`,
      redirectPath: CALLBACK_PATH,
      scopes: SCOPES,
    };
    this.browserOrigins = [hostedUi];
  }

  /** Registers an origin the site is served from (`https://host`) as a sign-in callback. */
  addSiteOrigin(origin: string): void {
    this.siteOrigins.push(origin);
  }
}

function externalSiteConfig(external: Extract<IdentityConfig, { kind: 'oidc' }>): Record<string, unknown> {
  return {
    provider: 'oidc',
    issuer: external.issuer,
    clientId: external.audience,
    // Without explicit endpoints the site reads them from the issuer's discovery document.
    discoveryUrl: `${external.issuer}/.well-known/openid-configuration`,
    ...(external.authorizeEndpoint ? { authorizeEndpoint: external.authorizeEndpoint } : {}),
    ...(external.tokenEndpoint ? { tokenEndpoint: external.tokenEndpoint } : {}),
    redirectPath: CALLBACK_PATH,
    scopes: SCOPES,
  };
}
