/**
 * The bench's local cloud: `npm start`'s host (local/start.ts) as a process of its own, on the
 * Node that `npm start` picks for it (local/launch.ts), so its CPU is measured apart from the
 * load generator; resolves once it prints that it is ready.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostNode } from '../local/invoke/node-runtime.js';
import { freePort } from '../local/ports.js';

/** What the bench needs of the running cloud's cloud.json. */
export interface BenchCloud {
  apiUrl: string;
  endpoints: { meter: string };
  functions: { logicalId: string; displayName: string; assetDir: string }[];
}

/** A started host: its process, its state folder, the seconds to ready, its cloud.json. */
export interface StartedHost {
  host: ChildProcess;
  stateDir: string;
  readySeconds: number;
  cloud: BenchCloud;
}

/**
 * Starts the host in `repo` on a free port with a fresh state folder (`metered`: with the
 * DynamoDB meter; `profileDir`: V8 CPU profiles of the host, DIR/host, and of every function
 * process, DIR/<function>, written when the bench stops the cloud; `instances`: per function).
 */
export async function startHost(
  repo: string,
  options: { metered: boolean; profileDir?: string; instances?: string },
): Promise<StartedHost> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-ec-bench-'));
  const port = await freePort();
  const startedAt = performance.now();
  const { metered, profileDir, instances } = options;
  const host = spawn(
    hostNode().execPath,
    [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'host')}`] : []),
      '--import',
      'tsx',
      'local/start.ts',
      '--quiet',
      '--port',
      String(port),
      '--state-dir',
      stateDir,
      ...(metered ? ['--meter'] : []),
      ...(profileDir ? ['--profile', profileDir] : []),
      ...(instances ? ['--instances', instances] : []),
    ],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let output = '';
  host.stderr?.on('data', (d) => {
    output += String(d);
  });
  const readySeconds = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 120 s:\n${output}`)), 120_000);
    host.stdout?.on('data', (d) => {
      output += String(d);
      if (/ready in/.test(output)) {
        clearTimeout(timer);
        resolve((performance.now() - startedAt) / 1000);
      }
    });
    host.once('exit', (code) => reject(new Error(`host exited ${code}:\n${output}`)));
  });
  const cloud = JSON.parse(
    fs.readFileSync(path.join(stateDir, 'cloud.json'), 'utf8'),
  ) as BenchCloud;
  return { host, stateDir, readySeconds, cloud };
}
