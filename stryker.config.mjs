/**
 * Mutation testing (StrykerJS, vitest runner): `npm run mutation`, not part of `npm test`.
 * The seven core modules below are mutated by default; on this repository's two shared cores run one
 * module at a time, e.g. `npm run mutation -- --mutate lambdas/middleware/auth.ts`. The runner uses
 * vitest.mutation.config.ts (unit and integration tests, DynamoDB Local started once); with per-test
 * coverage each mutant runs only the tests that reach it. Static mutants (module-level constants,
 * evaluated once at import) cannot be traced to tests and would each need the whole suite: they are
 * ignored, and the score counts the rest.
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  ignoreStatic: true,
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 20_000,
  mutate: [
    'lambdas/ratelimit/gcra.ts',
    'lambdas/ratelimit/limiter.ts',
    'lambdas/domain/grading.ts',
    'lambdas/domain/validate.ts',
    'lambdas/domain/scheduling.ts',
    'lambdas/middleware/auth.ts',
    'lambdas/middleware/idempotency.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: null },
};
