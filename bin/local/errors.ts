/** A problem the person running the platform can fix; printed as one line, without a stack. */
export class PlatformError extends Error {
  override name = 'PlatformError';
}
