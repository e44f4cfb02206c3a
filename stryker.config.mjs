/**
 * Mutation testing (StrykerJS, vitest runner): `npm run mutation`, not part of `npm test`.
 * The seven core modules below are mutated by default; on this repository's two shared cores run one
 * module at a time, e.g. `npm run mutation -- --mutate lambdas/ratelimit/gcra.ts`. The vitest runner
 * runs only the test files that import the mutated module (`related`), and with per-test coverage only
 * the tests that reach each mutant. DynamoDB Local starts once per run (vitest's global setup).
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: true },
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
