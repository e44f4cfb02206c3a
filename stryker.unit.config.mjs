import base from './stryker.config.mjs';

/**
 * Mutation runs of the pure modules (GCRA, grading, validation, scheduling) against the unit tests
 * only, with no DynamoDB Local to start: `npm run mutation:unit -- --mutate lambdas/ratelimit/gcra.ts`.
 */
export default {
  ...base,
  vitest: { configFile: 'vitest.unit.config.ts', related: true },
  mutate: ['lambdas/ratelimit/gcra.ts', 'lambdas/ratelimit/failure-policy.ts', 'lambdas/domain/grading.ts', 'lambdas/domain/validate.ts', 'lambdas/domain/scheduling.ts'],
  htmlReporter: { fileName: 'reports/mutation/unit.html' },
  jsonReporter: { fileName: 'reports/mutation/unit.json' },
};
