/**
 * Synthesizes the e2e files' stacks (proof/stacks.ts) ahead of them: `npm test` runs this
 * beside the fast suites, which leave part of the machine idle, so the e2e files start from
 * ready assemblies. Harmless to skip: each file synthesizes what it lacks.
 */
import { performance } from 'node:perf_hooks';
import { assemblyFor, E2E_STACKS } from '../../proof/stacks.js';

const started = performance.now();
for (const options of Object.values(E2E_STACKS)) await assemblyFor(options);
console.log(
  `e2e stacks ready: ${Object.keys(E2E_STACKS).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
