import { defineConfig } from 'vitest/config';

/**
 * What `npm run mutation` runs against each mutant: the unit and integration tests in one project
 * (DynamoDB Local starts once), without the browser and infra tests. All of them, not only the files
 * that import the mutated module: the API tests load handlers by their entry path from the route
 * table, an import vitest cannot follow, and per-test coverage still runs only the tests that reach
 * each mutant. `MUTATION_TESTS` (comma-separated paths or globs) narrows the files, e.g. to the
 * idempotency tests when mutating the idempotency middleware: a run of the whole suite per module
 * takes hours on two cores.
 */
const narrowed = process.env.MUTATION_TESTS?.split(',').map((path) => path.trim()).filter(Boolean);

export default defineConfig({
  test: {
    include: narrowed?.length ? narrowed : ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
