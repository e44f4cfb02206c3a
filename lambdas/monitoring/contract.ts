/** What the health canary publishes and its alarm reads (lib/constructs/observability.ts). */
export const HEALTH_CANARY = {
  /** 1 when `GET /api/health` through CloudFront answered 200 within the timeout, else 0. */
  metric: 'HealthCheckPassed',
  /** Environment: the site origin (`https://…`) the canary calls, as a learner's browser would. */
  siteUrlEnv: 'SITE_URL',
  timeoutMs: 5000,
} as const;
