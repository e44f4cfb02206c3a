import { loadOriginSecretValues } from './origin-secret-values';

/**
 * The values of the origin-verify secret the API accepts, read at runtime (never from the function's
 * environment, so a rotation needs no redeploy) and cached. Accepted: AWSCURRENT, AWSPENDING (the
 * rotation writes it to CloudFront before it becomes current) and AWSPREVIOUS (edges still sending
 * the old value while CloudFront's new configuration propagates).
 *
 * Cache rules: values are reused for `ttlMs`; a request whose header matches none of them may force
 * one early reload, at most once per `missRefreshMs`, so a flood of forged headers costs at most one
 * Secrets Manager call per interval per container. A failed reload keeps the values already held.
 */
export interface OriginSecrets {
  /** The accepted values, loading them if none are held or they are older than the TTL. */
  accepted(): Promise<readonly string[]>;
  /** Reloads after a miss unless one happened within `missRefreshMs`; undefined when not allowed. */
  reloadAfterMiss(): Promise<readonly string[] | undefined>;
}

export type SecretLoader = () => Promise<string[]>;

export interface CacheOptions {
  ttlMs?: number;
  missRefreshMs?: number;
  now?: () => number;
}

export function cachedOriginSecrets(load: SecretLoader, { ttlMs = 300_000, missRefreshMs = 15_000, now = Date.now }: CacheOptions = {}): OriginSecrets {
  let values: readonly string[] | undefined;
  let loadedAt = 0;
  let lastMissReload = Number.NEGATIVE_INFINITY;

  async function reload(): Promise<readonly string[]> {
    try {
      const loaded = (await load()).filter((v) => v.length > 0);
      if (loaded.length === 0) throw new Error('The origin-verify secret has no value');
      values = loaded;
      loadedAt = now();
    } catch (error) {
      if (!values) throw error; // nothing held: the caller refuses (fail closed)
    }
    return values;
  }

  return {
    async accepted() {
      if (values && now() - loadedAt < ttlMs) return values;
      return reload();
    },
    async reloadAfterMiss() {
      if (now() - lastMissReload < missRefreshMs) return undefined;
      lastMissReload = now();
      return reload();
    },
  };
}

/** Environment key of the secret's ARN; unset on the local platform, which then checks nothing. */
export const ORIGIN_SECRET_ARN_ENV = 'ORIGIN_VERIFY_SECRET_ARN';

const byArn = new Map<string, OriginSecrets>();

/** One cache per container and secret, loading through the secrets extension; undefined without a configured ARN. */
export function defaultOriginSecrets(env: NodeJS.ProcessEnv = process.env): OriginSecrets | undefined {
  const arn = env[ORIGIN_SECRET_ARN_ENV];
  if (!arn) return undefined;
  let secrets = byArn.get(arn);
  if (!secrets) {
    secrets = cachedOriginSecrets(() => loadOriginSecretValues(arn, env));
    byArn.set(arn, secrets);
  }
  return secrets;
}
