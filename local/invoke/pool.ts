/**
 * A function's execution environments: child processes running runner.cjs over the bundled
 * asset, one invocation at a time each, added up to a bound, replaced after a timeout or a crash.
 * Over 300 lines: an instance's life (spawn, init, invoke, time out, crash, stop) is one class
 * whose steps share its process and pending invocation, beside the small pool that scales them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FunctionDef } from '../template/stack.js';
import { lambdaNodeFlags } from './node-runtime.js';

const RUNNER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runner.cjs');
/** Lambda's limit on the init phase of an on-demand function. */
const INIT_TIMEOUT_MS = 10_000;

/** An error as Lambda reports it in an error payload. */
export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/** What one invocation of a function instance ended with. */
export type InstanceOutcome =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly error: LambdaError; readonly timedOut?: boolean };

/** One invocation sent to an instance. */
export interface InstanceRequest {
  readonly requestId: string;
  readonly payload: string;
  readonly invokedFunctionArn: string;
  readonly clientContext?: unknown;
}

type ChildMessage =
  | { type: 'ready'; initDurationMs?: number }
  | { type: 'initError'; error: LambdaError }
  | { type: 'result'; requestId: string; payload?: string; error?: LambdaError };

/** Where an instance's output lines go. */
export type OutputListener = (stream: 'stdout' | 'stderr', line: string) => void;

/**
 * One execution environment of a function: a child process running `runner.cjs` over the
 * function's bundled asset, serving one invocation at a time. A timeout or a crash kills
 * it; the pool replaces it with a fresh one (a cold start) on the next invocation.
 */
class FunctionInstance {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private pending?: { requestId: string; settle: (outcome: InstanceOutcome) => void };
  /** The invocation running now, if any. */
  current?: InstanceRequest;
  private exitError?: LambdaError;
  dead = false;

  constructor(
    private readonly fn: FunctionDef,
    { env, onOutput, onInit, execPath, profileDir }: PoolOptions,
  ) {
    this.child = fork(RUNNER, [], {
      ...(execPath ? { execPath } : {}),
      cwd: fn.assetDir,
      env: {
        ...env,
        LOCAL_HANDLER_MODULE: fn.handlerModule,
        LOCAL_HANDLER_EXPORT: fn.handlerExport,
      },
      execArgv: [
        ...lambdaNodeFlags(fn.memoryMb),
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.child[stream];
      if (source) createInterface({ input: source }).on('line', (line) => onOutput(stream, line));
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(
          lambdaError(
            'Runtime.InitTimeout',
            `Init phase exceeded ${INIT_TIMEOUT_MS / 1000} seconds`,
          ),
        );
      }, INIT_TIMEOUT_MS);
      this.child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          if (message.initDurationMs !== undefined) onInit?.(message.initDurationMs);
          resolve();
        } else if (message.type === 'initError') {
          clearTimeout(timer);
          this.exitError = message.error;
          reject(message.error);
        } else if (message.type === 'result' && this.pending?.requestId === message.requestId) {
          const { settle } = this.pending;
          this.pending = undefined;
          settle(
            message.error
              ? { ok: false, error: message.error }
              : { ok: true, payload: message.payload ?? 'null' },
          );
        }
      });
      this.child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.dead = true;
        const error =
          this.exitError ??
          lambdaError(
            'Runtime.ExitError',
            `Runtime exited ${signal ? `with signal: ${signal}` : `with error: exit status ${code}`}`,
          );
        reject(error);
        if (this.pending) {
          const { settle } = this.pending;
          this.pending = undefined;
          settle({ ok: false, error });
        }
      });
      this.child.on('error', () => {
        // 'exit' follows and reports it
      });
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one invocation; kills the instance when it outlives the function's timeout. */
  async run(request: InstanceRequest): Promise<InstanceOutcome> {
    try {
      await this.ready;
    } catch (error) {
      return { ok: false, error: error as LambdaError };
    }
    if (this.dead) return { ok: false, error: lambdaError('Runtime.ExitError', 'Runtime exited') };
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    this.current = request;
    return new Promise<InstanceOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        resolve({
          ok: false,
          timedOut: true,
          error: lambdaError(
            'Sandbox.Timedout',
            `RequestId: ${request.requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          ),
        });
      }, timeoutMs);
      this.pending = {
        requestId: request.requestId,
        settle: (outcome) => {
          clearTimeout(timer);
          this.current = undefined;
          resolve(outcome);
        },
      };
      this.child.send({
        type: 'invoke',
        requestId: request.requestId,
        payload: request.payload,
        invokedFunctionArn: request.invokedFunctionArn,
        clientContext: request.clientContext,
        deadline: Date.now() + timeoutMs,
        traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${request.requestId.replace(/-/g, '').slice(0, 24)};Sampled=0`,
      });
    });
  }

  /** Ends the process at once (SIGKILL), as Lambda does to a timed-out environment. */
  kill(): void {
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /**
   * Ends the process by closing its IPC channel (the runtime exits on its own, writing a CPU
   * profile if it keeps one); kills it when it has not exited within `graceMs`.
   */
  async end(graceMs: number): Promise<void> {
    this.dead = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited();
    clearTimeout(timer);
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

/** Builds a Lambda-style error. */
function lambdaError(errorType: string, errorMessage: string): LambdaError {
  return { errorType, errorMessage, trace: [] };
}

/** Options of a function's pool of instances. */
export interface PoolOptions {
  /** Most instances at once: the function's concurrency (default 4). */
  readonly maxInstances?: number;
  readonly env: Record<string, string>;
  readonly onOutput: OutputListener;
  /** Called with each new instance's module init time (the import of the handler module). */
  readonly onInit?: (initDurationMs: number) => void;
  /** The Node.js binary the instances run on (default the host's; see node-runtime.ts). */
  readonly execPath?: string;
  /** Write each instance's V8 CPU profile into this directory when it ends (node --cpu-prof). */
  readonly profileDir?: string;
}

/**
 * The instances of one function: spawned on demand, reused when idle, at most
 * `maxInstances`; further invocations wait for a free one.
 */
export class FunctionPool {
  private readonly idle: FunctionInstance[] = [];
  private readonly all = new Set<FunctionInstance>();
  private readonly waiting: Array<(instance: FunctionInstance | undefined) => void> = [];
  private closed = false;
  private readonly maxInstances: number;

  constructor(
    readonly fn: FunctionDef,
    private readonly options: PoolOptions,
  ) {
    this.maxInstances = options.maxInstances ?? 4;
  }

  /** Runs one invocation on an idle or new instance. */
  async invoke(request: InstanceRequest): Promise<InstanceOutcome> {
    const instance = await this.acquire();
    if (!instance)
      return { ok: false, error: lambdaError('ServiceException', 'the local cloud is stopping') };
    try {
      return await instance.run(request);
    } finally {
      this.release(instance);
    }
  }

  /**
   * Kills (SIGKILL) the instances running an invocation right now whose request payload
   * `matches`; each such invocation ends with Runtime.ExitError, as a crashed runtime does.
   * Returns the PIDs killed.
   */
  killBusy(matches: (payload: string) => boolean = () => true): number[] {
    const killed: number[] = [];
    for (const instance of this.all) {
      if (instance.dead || !instance.current || !matches(instance.current.payload)) continue;
      instance.kill();
      if (instance.pid !== undefined) killed.push(instance.pid);
    }
    return killed;
  }

  /** PIDs of the live instances (a killed one leaves at once, before its invocation settles). */
  pids(): number[] {
    return [...this.all]
      .filter((i) => !i.dead)
      .map((i) => i.pid)
      .filter((p): p is number => p !== undefined);
  }

  private acquire(): Promise<FunctionInstance | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    for (let idle = this.idle.pop(); idle; idle = this.idle.pop()) {
      // An instance that died while idle (a crash after its answer) is replaced, not reused.
      if (!idle.dead) return Promise.resolve(idle);
      this.all.delete(idle);
    }
    if (this.all.size < this.maxInstances) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private spawn(): FunctionInstance {
    const instance = new FunctionInstance(this.fn, this.options);
    this.all.add(instance);
    return instance;
  }

  private release(instance: FunctionInstance): void {
    let next: FunctionInstance | undefined = instance;
    if (instance.dead) {
      this.all.delete(instance);
      next = undefined;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(this.closed ? undefined : (next ?? this.spawn()));
    else if (next && !this.closed) this.idle.push(next);
  }

  /** Kills every instance and refuses further invocations. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
    const instances = [...this.all];
    // A profiled instance must exit on its own to write its profile; others are killed.
    if (this.options.profileDir) await Promise.all(instances.map((i) => i.end(5_000)));
    for (const instance of instances) instance.kill();
    await Promise.all(instances.map((i) => i.exited()));
    this.all.clear();
    this.idle.length = 0;
  }
}
