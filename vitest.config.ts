import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // DynamoDB Local starts once per run and every integration test makes its own table in it.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // On a busy shared machine one API round trip can take over a second: polls wait up to 10 s.
    expect: { poll: { timeout: 10_000 } },
    // In CI every test is listed by name, and a JSON summary is kept for the closing line of .ci/run.
    reporters: process.env.CI === 'true' ? ['verbose', 'json'] : ['default'],
    outputFile: { json: 'test-output/vitest.json' },
  },
});
