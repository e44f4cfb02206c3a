import { defineConfig } from 'vitest/config';

/** DynamoDB Local (Java) starts once per run for the project that talks to it; each test makes its own table. */
const dynamoDbLocal = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // On a busy shared machine one API round trip can take over a second: polls wait up to 10 s.
    expect: { poll: { timeout: 10_000 } },
    // In CI every test is listed by name, and a JSON summary is kept for the closing line of .ci/run.
    reporters: process.env.CI === 'true' ? ['verbose', 'json'] : ['default'],
    outputFile: { json: 'test-output/vitest.json' },
    // `npm test` runs them all; `npx vitest run --project unit` needs neither Java nor a browser.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
      // One project for everything that needs DynamoDB Local, so Java starts once per run.
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'], globalSetup: dynamoDbLocal } },
    ],
  },
});
