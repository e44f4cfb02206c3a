import * as z from '../domain/zod';

/**
 * Names of the built site assets: logical name (`main.js`, `styles.css`) → file under `/assets/`
 * carrying its content hash (`main-3F2A….js`). Pages link the hashed names, so those files can be
 * cached for a year; the manifest travels from the build to whoever renders pages (the local
 * platform directly, the ingest Lambda in the `SITE_ASSETS` environment variable).
 */
export const assetManifestSchema = z.record(z.string(), z.string());
export type AssetManifest = z.infer<typeof assetManifestSchema>;

export const SITE_ASSETS_ENV = 'SITE_ASSETS';

/** The manifest from `SITE_ASSETS`, or none (pages then link the unhashed names). */
export function assetManifestFromEnv(env: Record<string, string | undefined> = process.env): AssetManifest {
  const value = env[SITE_ASSETS_ENV];
  return value ? assetManifestSchema.parse(JSON.parse(value)) : {};
}

/** The URL of an asset: its hashed name when the manifest knows it. */
export const assetUrl = (manifest: AssetManifest, name: string) => `/assets/${manifest[name] ?? name}`;

/** Where the identity provider sends the browser back with the code (owned by the session layer). */
export { CALLBACK_PATH } from '../session/callback';
