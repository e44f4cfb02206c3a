import { keys } from '../store/keys';

/** Partition-key patterns (IAM `dynamodb:LeadingKeys`) of what API functions write. */
const learnerData = keys.user('*').pk;
const itemStatistics = keys.itemStats('*', '*').pk;

/**
 * The API's functions and their routes, declared once: the CDK stack creates one function per
 * entry and one HTTP API route per route; the local platform dispatches to the same handlers.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Write actions a function may be granted on the table (transactions are authorized per item action). */
export type TableWriteAction = 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

export interface ApiFunction {
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  routes: { method: HttpMethod; path: string }[];
  /**
   * Table access the function needs: a reader gets read grants only; `{ write, partitions }` is read
   * plus exactly those writes, and only on items whose partition key matches one of `partitions`.
   */
  tableAccess: 'read' | 'readWrite' | { write: readonly TableWriteAction[]; partitions: readonly string[] };
  description: string;
}

export const apiFunctions = {
  system: {
    entry: 'lambdas/api/system.ts',
    routes: [{ method: 'GET', path: '/api/health' }],
    tableAccess: 'read',
    description: 'Health check that proves the table answers',
  },
  catalog: {
    entry: 'lambdas/api/catalog.ts',
    routes: [{ method: 'GET', path: '/api/catalog' }],
    tableAccess: 'read',
    description: 'The lesson catalog',
  },
  attempts: {
    entry: 'lambdas/api/attempts.ts',
    routes: [{ method: 'POST', path: '/api/lessons/{id}/attempts' }],
    // Attempt, statistics and card in one transaction (Put, Update); idempotency claim/complete/release.
    tableAccess: { write: ['PutItem', 'UpdateItem', 'DeleteItem'], partitions: [learnerData, itemStatistics] },
    description: 'Grades exercise answers; records signed-in attempts, statistics and review cards',
  },
  progress: {
    entry: 'lambdas/api/progress.ts',
    routes: [
      { method: 'GET', path: '/api/me/progress' },
      { method: 'PUT', path: '/api/me/progress/{lessonId}' },
    ],
    tableAccess: { write: ['PutItem'], partitions: [learnerData] },
    description: "The learner's lesson progress",
  },
  reviews: {
    entry: 'lambdas/api/reviews.ts',
    routes: [
      { method: 'GET', path: '/api/me/reviews' },
      { method: 'POST', path: '/api/me/reviews/{itemId}' },
    ],
    tableAccess: { write: ['PutItem', 'UpdateItem', 'DeleteItem'], partitions: [learnerData, itemStatistics] },
    description: "The learner's FSRS review queue and review answers",
  },
  account: {
    entry: 'lambdas/api/account.ts',
    routes: [
      { method: 'GET', path: '/api/me/export' },
      { method: 'DELETE', path: '/api/me' },
    ],
    tableAccess: { write: ['BatchWriteItem'], partitions: [learnerData] },
    description: "Exports or deletes all of the learner's data",
  },
  authorStats: {
    entry: 'lambdas/api/author-stats.ts',
    routes: [{ method: 'GET', path: '/api/authors/lessons/{id}/stats' }],
    tableAccess: 'read',
    description: 'Answer statistics of a lesson for authors',
  },
} satisfies Record<string, ApiFunction>;

export type ApiFunctionName = keyof typeof apiFunctions;

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
