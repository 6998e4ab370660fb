/**
 * The stacks the end-to-end files run, by name, and their cloud assemblies in
 * .cache/e2e-synth/ (one folder per context). A synth (cdk-nag and five esbuild bundles) is
 * most of a cloud's start, so `npm test` synthesizes these beside the fast suites
 * (test/e2e/prepare.ts) and each e2e file then reuses its folder; `synthesize` makes a folder
 * anew when a source changed, and its lock lets two files wait for one synth. No Vitest import
 * here: prepare.ts runs outside the test runner.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FaultOptions, faultContext, synthesize } from '../local/template/synth.js';

/** What a stack differs in: CDK context (lib/config.ts) and fault settings. */
export interface StackOptions {
  readonly faults?: FaultOptions;
  readonly context?: Record<string, unknown>;
}

/**
 * A crash kills the whole batch (up to 5 messages), and each kill costs every message in it one
 * receive: with at most 6 kills, 30 receives keep any message from reaching the DLQ by crashes.
 */
const CRASH_STACK = { workerTimeoutSeconds: 10, visibilityTimeoutSeconds: 15, maxReceiveCount: 30 };

export const E2E_STACKS = {
  /** The stack as `cdk deploy` and `npm start` make it. */
  default: {},
  /** Both participants and shipping fail 30 % of their calls and take 100 ms more (FAULT_FAIL_RATE=0.3, FAULT_DELAY_MS=100). */
  faults: { faults: { failRate: 0.3, delayMs: 100 } },
  /** Short timeouts (worker 10 s, visibility 15 s) and room for the receives that crashes cost. */
  crash: { context: CRASH_STACK },
  /** Two receives before the DLQ, and a 10 s worker, so reaching the DLQ takes seconds. */
  operator: { context: { maxReceiveCount: 2, workerTimeoutSeconds: 10 } },
} satisfies Record<string, StackOptions>;

// proof/ is one level below the repository: its .cache/ holds the assemblies (git-ignored).
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The cloud assembly of lib/app.ts for these options, synthesized unless it is up to date. */
export async function assemblyFor(options: StackOptions = {}): Promise<string> {
  const context = { ...options.context, ...faultContext(options.faults ?? {}) };
  const key = createHash('sha256')
    .update(JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b))))
    .digest('hex')
    .slice(0, 20);
  const { directory } = await synthesize({
    outdir: path.join(REPO_ROOT, '.cache', 'e2e-synth', key),
    context,
  });
  return directory;
}
