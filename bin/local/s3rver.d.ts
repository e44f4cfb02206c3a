// @20minutes/s3rver ships no type declarations; these cover the little the local S3 endpoint uses.
declare module '@20minutes/s3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    /** Accept any signature: the local bucket checks no credentials (its SigV4 check trips on some query strings). */
    allowMismatchedSignatures?: boolean;
    /** Path-style requests only: the SDK client uses `forcePathStyle`. */
    vhostBuckets?: boolean;
    configureBuckets?: { name: string }[];
  }

  /** One S3 event notification, as S3 would send it. */
  interface S3rverEvent {
    Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } } }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: S3rverEvent) => void): this;
  }
}
