/**
 * `npm start`: the local cloud (./start.ts) on the newest Node.js installed for the project —
 * the functions' Node 24 package when the user's Node is older (see hostNode) — in a child
 * process that gets the arguments, the terminal and the signals; its exit code is this one's.
 * On the newest Node already, ./start.ts runs in this process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hostNode } from './invoke/node-runtime.js';

const node = hostNode();
if (node.source === 'host') {
  await import('./start.js');
} else {
  const start = fileURLToPath(new URL('./start.ts', import.meta.url));
  const child = spawn(node.execPath, ['--import', 'tsx', start, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches both processes from the terminal; a signal sent to this one alone is passed on
  // (the local cloud stops once, whichever comes first).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
