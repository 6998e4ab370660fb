/**
 * Runs the real `mini-ec` bin (cli/mini-ec.mjs, as `npx mini-ec` does) in a child process.
 * The end-to-end suite can call it against its running local cloud, e.g.
 * `await runCli(['order', 'coffee=1', '--json'], { cloudFile })`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a CLI run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs); throws when it is not JSON. */
  json: <T = unknown>() => T;
}

const BIN = fileURLToPath(new URL('../../cli/mini-ec.mjs', import.meta.url));

/** Runs `mini-ec <args>` with the given cloud file (MINI_EC_CLOUD_FILE) and extra env. */
export function runCli(
  args: string[],
  options: { cloudFile?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.cloudFile !== undefined) env.MINI_EC_CLOUD_FILE = options.cloudFile;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T });
    });
  });
}
