// `npm test`: lint, typecheck and the synth of the e2e stacks run beside the fast suites (the
// suites leave a core idle often enough), then the end-to-end suites, which want the whole
// machine. Fails, as `a && b && c && d` did, when any step fails; the e2e suites run only when
// everything before them passed. Lint and typecheck print when they end, not interleaved.
import { spawn } from 'node:child_process';

function run(args, { capture = false, quietUnlessFailed = false } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', ...args], {
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    if (capture) {
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
    }
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (output && !(quietUnlessFailed && code === 0)) process.stdout.write(output);
      console.log(`npm run ${args[0]}: ${code === 0 ? 'ok' : `failed (${code})`} in ${seconds} s`);
      resolve(code ?? 1);
    });
  });
}

const checks = run(['lint'], { capture: true }).then(async (lint) => {
  const typecheck = await run(['typecheck'], { capture: true });
  // The e2e files' stacks (proof/stacks.ts), synthesized while the fast suites run.
  const stacks = await run(['test:e2e-stacks'], { capture: true, quietUnlessFailed: true });
  return lint || typecheck || stacks;
});
const fast = await run(['test:fast']);
const before = (await checks) || fast;
process.exitCode = before || (await run(['test:e2e']));
