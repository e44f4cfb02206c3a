// oidc-provider ships no type declarations; these cover the little the local issuer uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ResourceServerInfo {
    scope: string;
    audience: string;
    accessTokenFormat: 'jwt' | 'opaque';
    accessTokenTTL?: number;
  }

  class ResourceServer {
    constructor(identifier: string, info: ResourceServerInfo);
  }

  interface AccessTokenInit {
    accountId: string;
    client: unknown;
    scope: string;
    resourceServer: ResourceServer;
    expiresWithSession?: boolean;
  }

  class AccessToken {
    constructor(init: AccessTokenInit);
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly AccessToken: typeof AccessToken;
    readonly ResourceServer: typeof ResourceServer;
    readonly Client: { find(id: string): Promise<unknown> };
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
