import type { AuthMode } from '../middleware/auth';
import type { RouteRateLimit } from '../ratelimit/config';
import * as keys from '../store/keys';
import type { IndexName } from '../store/schema';

/**
 * A partition-key pattern, computed when the module loads. Marked free of side effects so that a
 * bundle drops the patterns only other functions' declarations use (a plain call would be kept).
 */
// @__NO_SIDE_EFFECTS__
function pattern(build: () => string): string {
  return build();
}

/** Partition-key patterns (IAM `dynamodb:LeadingKeys`) of what API functions read and write. */
const learnerData = pattern(() => keys.user('*').pk);
const itemStatistics = pattern(() => keys.itemStats('*', '*').pk);
const lessons = pattern(() => keys.lessonPartition('*').pk);
const content = [pattern(() => keys.track('*').pk), pattern(() => keys.unit('*', '*').pk), lessons];
const healthProbe = pattern(() => keys.health().pk);
const learnerRateLimits = pattern(() => keys.rateLimitPartition(keys.rateLimitSubject.user('*')).pk);
const sessionFamilies = learnerData;
const mergedReceipts = pattern(() => keys.receipt('*').pk);
const ingestReports = pattern(() => keys.ingestReportsPrefix().pk);

/**
 * The API's functions and their routes, declared once: the CDK stack creates one function per
 * entry and one HTTP API route per route; the local platform dispatches to the same handlers.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Write actions a function may be granted on the table (transactions are authorized per item action). */
export type TableWriteAction = 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

/**
 * Everything the middleware chain decides per route, declared here and nowhere else. A closed type:
 * an unknown or misspelt option is a compile error, never a silently dropped behaviour.
 */
export interface RouteOptions {
  /** Who may call the route: `public` never reads a token; `authors` needs the configured authors group. */
  readonly auth: AuthMode;
  /** Honour `Idempotency-Key`: a retried write replays its first response instead of running again. */
  readonly idempotent?: boolean;
  /** Weight, failure policy (open/closed) and policy set of the route's rate limit; defaults apply when omitted. */
  readonly rateLimit?: RouteRateLimit;
  /** The route acts on the session cookie: cross-site and simple (non-JSON) requests are refused (CSRF). */
  readonly sameOrigin?: boolean;
  /** Step-up (RFC 9470): the token's `auth_time` must be at most this many seconds old. */
  readonly maxAuthAgeSeconds?: number;
}

export interface ApiRoute extends RouteOptions {
  readonly method: HttpMethod;
  readonly path: string;
}

export interface ApiFunction {
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  routes: readonly ApiRoute[];
  /**
   * Table access the function needs: a reader gets read grants only; `{ write, partitions }` is read
   * plus exactly those writes, and only on items whose partition key matches one of `partitions`.
   */
  tableAccess: 'read' | { write: readonly TableWriteAction[]; partitions: readonly string[] };
  /**
   * Where the function reads (GetItem, BatchGetItem, Query, ConditionCheckItem), by partition-key
   * pattern, and which indexes it queries (the catalog, the due queue), each granted by its own ARN.
   * Never a Scan.
   */
  tableReads: { partitions: readonly string[]; indexes?: readonly IndexName[] };
  description: string;
  /** Reads the session cookie key (the stack grants the secret to this function only). */
  needsSessionKey?: boolean;
  /** Signs and checks anonymous-answer receipts (the stack grants the receipt secret to this function only). */
  needsReceiptKey?: boolean;
  /** Calls Cognito AdminUserGlobalSignOut (the stack grants it on the user pool, when there is one). */
  signsOutAtIssuer?: boolean;
}

/*
 * Each function is declared as a constant of its own so that its handler bundles its own routes
 * only (esbuild drops the declarations a bundle does not reference); `apiFunctions` gathers them for
 * the stack, the local platform and the tests.
 */
export const systemFunction = {
  entry: 'lambdas/api/system.ts',
  // A monitor should learn about the table from the check itself, not from the limiter: fails open.
  routes: [{ method: 'GET', path: '/api/health', auth: 'public', rateLimit: { weight: 1, failure: 'open' } }],
  tableAccess: 'read',
  description: 'Health check that proves the table answers',
  tableReads: { partitions: [healthProbe] },
} satisfies ApiFunction;

export const catalogFunction = {
  entry: 'lambdas/api/catalog.ts',
  // A cheap public read that stays available if the limiter's store does not answer.
  routes: [{ method: 'GET', path: '/api/catalog', auth: 'public', rateLimit: { weight: 1, failure: 'open' } }],
  tableAccess: 'read',
  description: 'The lesson catalog',
  tableReads: { partitions: content, indexes: [keys.catalogIndex] },
} satisfies ApiFunction;

export const attemptsFunction = {
  entry: 'lambdas/api/attempts.ts',
  // Anonymous callers are graded too; a token that is sent must be valid.
  routes: [
    { method: 'POST', path: '/api/lessons/{id}/attempts', auth: 'optional', idempotent: true },
    // Anonymous work merged on sign-in: idempotent by each attempt's own id; up to 50 receipts (each may
    // also bring back its visit's first answer).
    { method: 'POST', path: '/api/me/merge', auth: 'required', rateLimit: { weight: 10 } },
  ],
  // Attempt, card, review log and day count in one transaction (Put, Update); idempotency
  // claim/complete/release; the single-use claim of each merged receipt (RECEIPT#<id>, Put).
  // Statistics are counted from the table's stream by their own function: nothing here writes LESSON# or STATS#.
  tableAccess: { write: ['PutItem', 'UpdateItem', 'DeleteItem'], partitions: [learnerData, mergedReceipts] },
  tableReads: { partitions: [learnerData, lessons] },
  description: 'Grades exercise answers; records signed-in attempts, statistics and review cards',
  needsReceiptKey: true,
} satisfies ApiFunction;

export const progressFunction = {
  entry: 'lambdas/api/progress.ts',
  routes: [
    { method: 'GET', path: '/api/me/progress', auth: 'required' },
    { method: 'PUT', path: '/api/me/progress/{lessonId}', auth: 'required' },
  ],
  tableAccess: { write: ['PutItem'], partitions: [learnerData] },
  // The lesson's META (does it exist) and answer keys (its cards, for mastery) sit under LESSON#.
  tableReads: { partitions: [learnerData, lessons] },
  description: "The learner's lesson progress",
} satisfies ApiFunction;

export const reviewsFunction = {
  entry: 'lambdas/api/reviews.ts',
  routes: [
    { method: 'GET', path: '/api/me/reviews', auth: 'required' },
    { method: 'GET', path: '/api/me/stats', auth: 'required', rateLimit: { weight: 5, failure: 'open' } },
    { method: 'POST', path: '/api/me/reviews/{itemId}', auth: 'required', idempotent: true },
  ],
  tableAccess: { write: ['PutItem', 'UpdateItem', 'DeleteItem'], partitions: [learnerData] },
  tableReads: { partitions: [learnerData, lessons], indexes: [keys.dueIndex] },
  description: "The learner's FSRS review queue and review answers",
} satisfies ApiFunction;

export const accountFunction = {
  entry: 'lambdas/api/account.ts',
  routes: [
    // Export and deletion read or write a learner's whole partition: they cost ten units, and they
    // wait (503) rather than run unmetered when the rate limiter's store is down.
    { method: 'GET', path: '/api/me/export', auth: 'required', rateLimit: { weight: 10, failure: 'closed' } },
    // Deletion cannot be undone: it needs a sign-in from the last five minutes (step-up).
    { method: 'DELETE', path: '/api/me', auth: 'required', maxAuthAgeSeconds: 300, rateLimit: { weight: 10, failure: 'closed' } },
    { method: 'GET', path: '/api/me/settings', auth: 'required' },
    // Naturally idempotent: a PUT names the values it sets.
    { method: 'PUT', path: '/api/me/settings', auth: 'required' },
  ],
  // Deletion also removes the learner's rate-limit items (RATE#user:<sub>), which hold the sub;
  // settings are updated field by field (UpdateItem) in the learner's partition (UpdateItem on the
  // rate-limit items adds nothing: the limiter's own grant already has it).
  tableAccess: { write: ['BatchWriteItem', 'UpdateItem'], partitions: [learnerData, learnerRateLimits] },
  tableReads: { partitions: [learnerData, learnerRateLimits] },
  description: "The learner's settings; exports or deletes all of the learner's data",
  signsOutAtIssuer: true,
} satisfies ApiFunction;

export const authFunction = {
  entry: 'lambdas/api/auth.ts',
  // Same-origin JSON POSTs only (they act on the session cookie). Sign-in and refresh carry no
  // bearer token: the cookie is their credential, and they are limited per client address.
  routes: [
    { method: 'POST', path: '/api/auth/session', auth: 'public', sameOrigin: true },
    { method: 'POST', path: '/api/auth/refresh', auth: 'public', sameOrigin: true },
    { method: 'POST', path: '/api/auth/sign-out', auth: 'public', sameOrigin: true },
    { method: 'POST', path: '/api/auth/sign-out-everywhere', auth: 'required', sameOrigin: true },
  ],
  // Session family records in the learner's partition (create, rotate, end); revokedBefore goes on
  // the rate-limit items through the limiter's own UpdateItem grant.
  tableAccess: { write: ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], partitions: [sessionFamilies] },
  tableReads: { partitions: [sessionFamilies] },
  description: 'Session routes: code exchange, refresh with rotation, sign out (everywhere)',
  needsSessionKey: true,
  signsOutAtIssuer: true,
} satisfies ApiFunction;

export const authorStatsFunction = {
  entry: 'lambdas/api/author-stats.ts',
  routes: [
    { method: 'GET', path: '/api/authors/lessons/{id}/stats', auth: 'authors' },
    // The dashboard: every lesson with exercises in one call (reads a partition per lesson: weight 5).
    { method: 'GET', path: '/api/authors/stats', auth: 'authors', rateLimit: { weight: 5, failure: 'open' } },
  ],
  tableAccess: 'read',
  description: 'Answer statistics for authors: one lesson, or every lesson with flags and the latest ingest reports for the dashboard',
  // Answer keys beside their lesson; statistics in their own partition (and, read only, where they
  // lived before); the dashboard lists the lessons through the catalog index, and the latest
  // ingest reports from their one partition (never the rest of the site's state).
  tableReads: { partitions: [lessons, itemStatistics, ingestReports], indexes: [keys.catalogIndex] },
} satisfies ApiFunction;

export const apiFunctions = {
  system: systemFunction,
  catalog: catalogFunction,
  attempts: attemptsFunction,
  progress: progressFunction,
  reviews: reviewsFunction,
  account: accountFunction,
  auth: authFunction,
  authorStats: authorStatsFunction,
};

export type ApiFunctionName = keyof typeof apiFunctions;

/** The key API Gateway v2 puts on every event of a route, e.g. `POST /api/lessons/{id}/attempts`. */
export const routeKey = (route: Pick<ApiRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** Every route of every function, with the function that serves it. */
export const allRoutes = (): { name: ApiFunctionName; route: ApiRoute }[] =>
  (Object.entries(apiFunctions) as [ApiFunctionName, ApiFunction][]).flatMap(([name, fn]) => fn.routes.map((route) => ({ name, route })));

/** Matches a request path against a route template like `/api/lessons/{id}/attempts`. */
export function matchRoute(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  try {
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
  } catch {
    return undefined; // a malformed percent-escape matches no route, as at API Gateway
  }
}
