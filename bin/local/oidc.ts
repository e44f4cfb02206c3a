import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { CALLBACK_PATH } from '../../lambdas/render';
import { SESSION_ABSOLUTE_SECONDS } from '../../lambdas/session/config';

/**
 * A real OpenID Connect issuer for the local platform (oidc-provider) on 127.0.0.1: discovery,
 * JWKS, authorization code + PKCE for the site, and JWT access tokens (RFC 9068, `typ: at+jwt`) whose
 * audience is the client id — the same shape the API verifies in AWS. A few dev users sign in with
 * any password (oidc-provider's development login page); `alan` is in the authors group.
 *
 * Sessions as in AWS: refresh tokens for the public client, rotated on every use; presenting a used
 * one makes oidc-provider revoke the whole grant (reuse detection), and so does RFC 7009 revocation.
 * Access tokens carry `auth_time` (the sign-in they came from, kept across refreshes) like Cognito's.
 *
 * Dev-only helpers mint tokens through the issuer's own token model and keys (`mintAccessToken`), or
 * sign arbitrary claims with its key (`signWithIssuerKey`) so that tests can present expired tokens,
 * ID tokens and tokens for another audience that are otherwise genuine.
 */

export interface DevUser {
  sub: string;
  name: string;
  email: string;
  groups: string[];
}

export const devUsers: DevUser[] = [
  { sub: 'ada', name: 'Ada (learner)', email: 'ada@rungs.local', groups: [] },
  { sub: 'grace', name: 'Grace (learner)', email: 'grace@rungs.local', groups: [] },
  { sub: 'alan', name: 'Alan (author)', email: 'alan@rungs.local', groups: ['authors'] },
];

export const LOCAL_CLIENT_ID = 'rungs-local';

export interface LocalIssuer {
  issuer: string;
  jwksUri: string;
  clientId: string;
  /** The AUTH_* environment the API handlers read. */
  env: Record<string, string>;
  mintAccessToken(sub: string, options?: { scope?: string }): Promise<string>;
  signWithIssuerKey(payload: Record<string, unknown>, header?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

export interface LocalIssuerOptions {
  port?: number;
  host?: string;
  /** Where the site receives the authorization code. */
  redirectUris?: string[];
  users?: DevUser[];
  /** Access token lifetime; 15 minutes unless a test wants tokens that expire sooner. */
  accessTokenTtlSeconds?: number;
}

/** Access tokens live 15 minutes here and in Cognito (docs/api.md "Sessions"). */
export const ACCESS_TOKEN_TTL_SECONDS = 900;

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function signJwt(key: KeyObject, kid: string, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${base64url({ alg: 'RS256', kid, ...header })}.${base64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const host = options.host ?? '127.0.0.1';
  const users = new Map((options.users ?? devUsers).map((user) => [user.sub, user]));
  let handle: Parameters<typeof createServer>[1] = (_req, res) => void res.writeHead(503).end();
  const server: Server = createServer((req, res) => handle!(req, res));
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  const issuer = `http://${host}:${port}`;

  // A fresh signing key per run: nothing secret is ever written to disk or the repository.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256').update(privateKey.export({ format: 'der', type: 'pkcs8' })).digest('base64url').slice(0, 16);
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const resource = `${issuer}/api`;
  const accessTokenTtl = options.accessTokenTtlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const resourceServer = { scope: 'openid profile email', audience: LOCAL_CLIENT_ID, accessTokenFormat: 'jwt' as const, accessTokenTTL: accessTokenTtl };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: options.redirectUris ?? [`http://127.0.0.1:3000${CALLBACK_PATH}`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    responseTypes: ['code'],
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 86400,
      // The absolute cap: a grant, and every refresh token rotated from it, ends 90 days after sign-in
      // (a rotated token keeps its predecessor's remaining lifetime, as Cognito's do).
      Grant: SESSION_ABSOLUTE_SECONDS,
      RefreshToken: (ctx: { oidc?: { entities?: { RotatedRefreshToken?: { remainingTTL: number } } } } | undefined) =>
        ctx?.oidc?.entities?.RotatedRefreshToken?.remainingTTL ?? SESSION_ABSOLUTE_SECONDS,
    },
    // Like Cognito: a refresh token for every sign-in of a client allowed the grant (no offline_access
    // scope), not tied to the issuer's own login session, and a new one on every refresh.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    scopes: ['openid', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = users.get(sub);
      return user ? { accountId: sub, claims: async () => ({ sub, name: user.name, email: user.email, groups: user.groups }) } : undefined;
    },
    // Groups ride in the access token, as Cognito puts cognito:groups in its access tokens.
    // auth_time comes from the code or refresh token being redeemed (the original sign-in's time).
    extraTokenClaims: async (ctx: { oidc?: { entities?: Record<string, { authTime?: number } | undefined> } } | undefined, token: { kind: string; accountId?: string }) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const entities = ctx?.oidc?.entities ?? {};
      const authTime = entities.RefreshToken?.authTime ?? entities.AuthorizationCode?.authTime;
      return { groups: users.get(token.accountId)?.groups ?? [], ...(authTime !== undefined ? { auth_time: authTime } : {}) };
    },
    features: {
      devInteractions: { enabled: true },
      // A client may revoke only its own tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => resourceServer,
      },
    },
  });
  handle = provider.callback();

  const signingKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    clientId: LOCAL_CLIENT_ID,
    env: {
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: LOCAL_CLIENT_ID,
      AUTH_JWKS_URI: `${issuer}/jwks`,
      AUTH_TOKEN_USE: 'access',
      AUTH_AUTHORS_GROUP: 'authors',
      AUTH_TOKEN_ENDPOINT: `${issuer}/token`,
      AUTH_REVOCATION_ENDPOINT: `${issuer}/token/revocation`,
      // A fresh cookie key per run, like the signing key: sessions end when the platform stops.
      SESSION_KEY: randomBytes(32).toString('base64url'),
      // Likewise the key of the receipts that prove anonymous answers for the merge on sign-in.
      RECEIPT_KEY: randomBytes(32).toString('base64url'),
    },
    async mintAccessToken(sub, mintOptions = {}) {
      if (!users.has(sub)) throw new Error(`no dev user "${sub}"`);
      const client = await provider.Client.find(LOCAL_CLIENT_ID);
      const token = new provider.AccessToken({
        accountId: sub,
        client,
        scope: mintOptions.scope ?? 'openid profile',
        resourceServer: new provider.ResourceServer(resource, resourceServer),
      });
      return token.save();
    },
    signWithIssuerKey(payload, header) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(signingKey, kid, { iss: issuer, iat: now, exp: now + 300, jti: randomUUID(), ...payload }, header);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
