import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { CALLBACK_PATH } from '../../lambdas/render';

/**
 * A real OpenID Connect issuer for the local platform (oidc-provider) on 127.0.0.1: discovery,
 * JWKS, authorization code + PKCE for the site, and JWT access tokens (RFC 9068, `typ: at+jwt`) whose
 * audience is the client id — the same shape the API verifies in AWS. A few dev users sign in with
 * any password (oidc-provider's development login page); `alan` is in the authors group.
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
}

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
  const resourceServer = { scope: 'openid profile email', audience: LOCAL_CLIENT_ID, accessTokenFormat: 'jwt' as const, accessTokenTTL: 3600 };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: options.redirectUris ?? [`http://127.0.0.1:3000${CALLBACK_PATH}`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    responseTypes: ['code'],
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400 },
    scopes: ['openid', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = users.get(sub);
      return user ? { accountId: sub, claims: async () => ({ sub, name: user.name, email: user.email, groups: user.groups }) } : undefined;
    },
    // Groups ride in the access token, as Cognito puts cognito:groups in its access tokens.
    extraTokenClaims: async (_ctx: unknown, token: { kind: string; accountId?: string }) =>
      token.kind === 'AccessToken' && token.accountId ? { groups: users.get(token.accountId)?.groups ?? [] } : undefined,
    features: {
      devInteractions: { enabled: true },
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
    env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: LOCAL_CLIENT_ID, AUTH_JWKS_URI: `${issuer}/jwks`, AUTH_TOKEN_USE: 'access', AUTH_AUTHORS_GROUP: 'authors' },
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
