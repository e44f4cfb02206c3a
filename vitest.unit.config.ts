import { defineConfig } from 'vitest/config';

/** Unit tests only, without DynamoDB Local: what mutation runs of the pure modules use (stryker.unit.config.mjs). */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
