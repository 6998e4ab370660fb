import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { FunctionDef } from '../template/stack.js';
import { type FunctionNode, installedNodes, nodeForRuntime } from './node-runtime.js';
import { FunctionPool, type LambdaError, type OutputListener } from './pool.js';

/** Lambda's payload limit for a synchronous invocation, request and response (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's payload limit for an asynchronous (Event) invocation (1 MB). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

/** No function of that name, ARN or partial ARN. */
export class FunctionNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundException';
}

/** The request payload exceeds Lambda's limit. */
export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeException';
}

/** The result of one invocation through the invoke path. */
export interface InvokeResult {
  readonly requestId: string;
  readonly functionName: string;
  /** The JSON payload: the function's result, or its error `{errorType, errorMessage, trace}`. */
  readonly payload: string;
  /** Set when the function failed (`Unhandled`, as in X-Amz-Function-Error). */
  readonly functionError?: 'Unhandled';
  readonly error?: LambdaError;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** Options of one invocation. */
export interface InvokeOptions {
  readonly requestId?: string;
  readonly clientContext?: unknown;
  readonly maxPayloadBytes?: number;
}

/** Called after each invocation that succeeded, before its result is returned to the caller. */
export type AfterInvokeHook = (fn: FunctionDef, payload: string) => void;

/** Options of the invoker. */
export interface InvokerOptions {
  /** The environment of each function's processes. */
  readonly envOf: (fn: FunctionDef) => Record<string, string>;
  /** Instances per function (default 4); per-function overrides by logical id or name. */
  readonly maxInstances?: number;
  readonly maxInstancesOf?: (fn: FunctionDef) => number | undefined;
  readonly onOutput: (fn: FunctionDef) => OutputListener;
  /** Called with each cold start's module init time. */
  readonly onInit?: (fn: FunctionDef, initDurationMs: number) => void;
  /** Profile every instance: a V8 CPU profile per process under `<profileDir>/<function>/`. */
  readonly profileDir?: string;
}

/**
 * The one invoke path of the local cloud: the HTTP API, the Lambda Invoke API and the
 * event sources all call `invoke`. It finds the function by name or ARN, gives the
 * invocation its request id, enforces the payload limits (6 MB) and, through the
 * function's pool, its timeout.
 */
export class Invoker {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly byName = new Map<string, FunctionDef>();
  private readonly outputs = new Map<string, OutputListener>();
  private readonly afterInvoke = new Set<AfterInvokeHook>();
  /** The Node.js each function's instances run on, by function name. */
  readonly nodes = new Map<string, FunctionNode>();

  constructor(
    readonly functions: readonly FunctionDef[],
    options: InvokerOptions,
  ) {
    const installed = installedNodes();
    for (const fn of functions) {
      this.byName.set(fn.name, fn);
      const output = options.onOutput(fn);
      this.outputs.set(fn.name, output);
      const node = nodeForRuntime(fn.runtime, installed);
      this.nodes.set(fn.name, node);
      this.pools.set(
        fn.name,
        new FunctionPool(fn, {
          env: options.envOf(fn),
          maxInstances: options.maxInstancesOf?.(fn) ?? options.maxInstances ?? 4,
          onOutput: output,
          onInit: (ms) => options.onInit?.(fn, ms),
          execPath: node.execPath,
          ...(options.profileDir
            ? { profileDir: path.join(options.profileDir, fn.displayName) }
            : {}),
        }),
      );
    }
  }

  /**
   * The function a name designates: its name, its ARN (`arn:aws:lambda:…:function:name`,
   * unqualified or `:$LATEST`), or a partial ARN (`000000000000:function:name`).
   */
  find(nameOrArn: string): FunctionDef | undefined {
    const match =
      /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([A-Za-z0-9_.-]+)(?::(\$LATEST))?$/.exec(
        nameOrArn,
      );
    const name = match?.[1];
    return name ? this.byName.get(name) : undefined;
  }

  /** Invokes a function synchronously with a JSON payload (a string, or a value to serialize). */
  async invoke(
    nameOrArn: string,
    event: unknown,
    options: InvokeOptions = {},
  ): Promise<InvokeResult> {
    const fn = this.find(nameOrArn);
    if (!fn) {
      throw new FunctionNotFoundError(
        `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${nameOrArn}`,
      );
    }
    const payload = typeof event === 'string' ? event : JSON.stringify(event ?? null);
    const limit = options.maxPayloadBytes ?? MAX_SYNC_PAYLOAD_BYTES;
    const size = Buffer.byteLength(payload);
    if (size > limit) {
      throw new RequestTooLargeError(
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      );
    }
    const requestId = options.requestId ?? randomUUID();
    const pool = this.pools.get(fn.name)!;
    const started = performance.now();
    const outcome = await pool.invoke({
      requestId,
      payload,
      invokedFunctionArn: fn.arn,
      clientContext: options.clientContext,
    });
    const durationMs = performance.now() - started;
    if (outcome.ok && Buffer.byteLength(outcome.payload) <= MAX_SYNC_PAYLOAD_BYTES) {
      for (const hook of this.afterInvoke) hook(fn, payload);
      return {
        requestId,
        functionName: fn.name,
        payload: outcome.payload,
        timedOut: false,
        durationMs,
      };
    }
    const error: LambdaError = outcome.ok
      ? {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
        }
      : outcome.error;
    // The runtime logs an invocation's error in the function's own log, as Lambda does.
    this.outputs.get(fn.name)?.(
      'stderr',
      JSON.stringify({
        timestamp: new Date().toISOString(),
        level: 'ERROR',
        requestId,
        message: `Invoke Error ${error.errorType}: ${error.errorMessage}`,
        errorType: error.errorType,
        errorMessage: error.errorMessage,
        stackTrace: error.trace ?? [],
      }),
    );
    return {
      requestId,
      functionName: fn.name,
      payload: JSON.stringify(error),
      functionError: 'Unhandled',
      error,
      timedOut: !outcome.ok && outcome.timedOut === true,
      durationMs,
    };
  }

  /** Registers a hook run after each successful invocation; returns its removal. */
  onAfterInvoke(hook: AfterInvokeHook): () => void {
    this.afterInvoke.add(hook);
    return () => this.afterInvoke.delete(hook);
  }

  /**
   * Kills the instances of a function that are running an invocation whose payload contains
   * `payloadIncludes` (any, when not given); returns the PIDs killed.
   */
  kill(nameOrArn: string, options: { payloadIncludes?: string } = {}): number[] {
    const fn = this.find(nameOrArn);
    if (!fn) throw new FunctionNotFoundError(`Function not found: ${nameOrArn}`);
    const text = options.payloadIncludes;
    return this.pools
      .get(fn.name)!
      .killBusy(text === undefined ? undefined : (p) => p.includes(text));
  }

  /** PIDs of every live function process. */
  pids(): number[] {
    return [...this.pools.values()].flatMap((p) => p.pids());
  }

  /** Kills every function process. */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
