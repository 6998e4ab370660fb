import { defineConfig } from 'vitest/config';

// Two projects, run one after the other by `npm test` (test/support/npm-test.mjs): the quick
// suites in parallel, sharing one DynamoDB Local, then the end-to-end suites, two files at a
// time (each starts a whole local cloud from a cached synth, see test/e2e/harness.ts; most of
// their time is spent waiting on visibility timeouts and retries, not on a core).
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          globalSetup: ['test/support/dynamodb-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
