import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's order (the slowest first by its cache of durations, else the largest files first),
 * with test/e2e/proof.test.ts ahead of the other e2e files: at about 80 s it is twice the
 * next one, and started late (a clean clone has no cache) it alone ran past the others.
 */
class LongestE2eFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const proof = sorted.findIndex((spec) => spec.moduleId.endsWith('/e2e/proof.test.ts'));
    const firstE2e = sorted.findIndex((spec) => spec.moduleId.includes('/e2e/'));
    if (proof <= firstE2e) return sorted;
    const [spec] = sorted.splice(proof, 1);
    if (spec) sorted.splice(firstE2e, 0, spec);
    return sorted;
  }
}

// Two projects, run one after the other by `npm test` (test/support/npm-test.mjs): the quick
// suites in parallel, sharing one DynamoDB Local, then the end-to-end suites, two files at a
// time (each starts a whole local cloud from a cached synth, see proof/harness.ts; most of
// their time is spent waiting on visibility timeouts and retries, not on a core).
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: LongestE2eFirst },
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
