/**
 * The stack's functions in the local cloud: each from its bundled asset in its own processes
 * (./invoke/), with the environment Lambda gives it, pointed at the local emulators. The one
 * place that finds a function by any of its names.
 */
import { availableParallelism } from 'node:os';
import { functionCredentials } from './emulators/credentials.js';
import { Invoker } from './invoke/invoke.js';
import type { FunctionNode } from './invoke/node-runtime.js';
import type { LogSink } from './logs.js';
import type { UsageMeter } from './meter/usage.js';
import { type Service, StartupError } from './service.js';
import { LOCAL_REGION } from './template/intrinsics.js';
import type { FunctionDef, QueueDef, StackTemplate } from './template/stack.js';

export interface FunctionsOptions {
  /** The template, resolved against the running emulators. */
  readonly template: StackTemplate;
  readonly queues: readonly QueueDef[];
  /** The emulators' endpoints, as AWS_ENDPOINT_URL_* variables (known once they listen). */
  readonly endpoints: () => Record<string, string>;
  readonly envOverrides?: Record<string, Record<string, string>>;
  /** Instances per function (default DEFAULT_INSTANCES_PER_FUNCTION). */
  readonly maxInstancesPerFunction?: number;
  /** See InvokerOptions.profileDir. */
  readonly profileDir?: string;
  readonly meter: UsageMeter;
  readonly logs: LogSink;
  readonly step: (message: string) => void;
}

/** When `crashAfter` kills: after `after` succeeded (and `when` holds), with probability `rate`, at most `max` times. */
export interface CrashRuleOptions {
  readonly victim: string;
  readonly after: string;
  readonly rate: number;
  readonly max?: number;
  /** Given the parsed payload of the `after` invocation. */
  readonly when?: (payload: unknown) => boolean;
  readonly random?: () => number;
}

/** An active crash rule. */
export interface CrashRule {
  /** How many times it killed the victim. */
  readonly crashes: number;
  stop(): void;
}

/** Instances an SQS event source may keep busy when its ScalingConfig says nothing. */
const DEFAULT_SQS_CONCURRENCY = 2;

/**
 * Instances per function unless the options say otherwise: one per core, from 2 to 4. Lambda
 * would add one for each concurrent invocation, but here every instance is a process on the
 * same cores, and one that starts costs its module init and its JIT warm-up: on a 2-core
 * machine, 4 instances a function used 3–4 CPU ms more per order than 2 and answered no
 * sooner (npm run bench, 2026-12-05). An SQS source's MaximumConcurrency still gets its
 * instances.
 */
const DEFAULT_INSTANCES_PER_FUNCTION = Math.min(4, Math.max(2, availableParallelism()));

export class FunctionsService implements Service {
  readonly name = 'functions';
  private running?: { invoker: Invoker; functions: FunctionDef[] };

  constructor(private readonly options: FunctionsOptions) {}

  async start(): Promise<void> {
    const { template, meter, logs } = this.options;
    const functions = template.functions();
    const endpoints = this.options.endpoints();
    const concurrency = this.sqsConcurrency();
    const invoker = new Invoker(functions, {
      envOf: (fn) => ({
        ...baseEnvironment(fn),
        ...endpoints,
        ...fn.environment,
        ...overridesFor(fn, this.options.envOverrides),
      }),
      maxInstancesOf: (fn) =>
        Math.max(
          this.options.maxInstancesPerFunction ?? DEFAULT_INSTANCES_PER_FUNCTION,
          concurrency.get(fn.name) ?? 0,
        ),
      onOutput: (fn) => (stream, line) => {
        meter.functionOutput(fn.displayName, fn.memoryMb, line);
        logs.write(fn.logicalId, fn.displayName, stream, line);
      },
      onInit: (fn, ms) => meter.coldStart(fn.displayName, ms),
      ...(this.options.profileDir ? { profileDir: this.options.profileDir } : {}),
    });
    this.running = { invoker, functions };
    for (const line of runtimeLines(invoker)) this.options.step(line);
  }

  /** Whether the functions are started (the Lambda API answers 503-like errors until then). */
  get started(): boolean {
    return this.running !== undefined;
  }

  /** The invoke path; a StartupError before the functions are started. */
  get invoker(): Invoker {
    if (!this.running) throw new StartupError('functions are not started');
    return this.running.invoker;
  }

  get functions(): readonly FunctionDef[] {
    return this.running?.functions ?? [];
  }

  /** A function by its name, ARN, logical id or display name (any case); undefined if none. */
  find(name: string): FunctionDef | undefined {
    const byName = this.running?.invoker.find(name);
    if (byName) return byName;
    const lower = name.toLowerCase();
    return this.functions.find(
      (f) => f.logicalId === name || f.displayName.toLowerCase() === lower,
    );
  }

  /** As find, but an unknown name is an error naming the known ones. */
  resolve(name: string): FunctionDef {
    const found = this.find(name);
    if (!found) {
      const known = this.functions.map((f) => f.displayName).join(', ');
      throw new Error(`no function ${name} (known: ${known})`);
    }
    return found;
  }

  /** Kills the instances of a function running an invocation (whose payload has the text). */
  kill(name: string, options: { payloadIncludes?: string } | undefined, why: string): number {
    const fn = this.resolve(name);
    const pids = this.invoker.kill(fn.name, options);
    for (const pid of pids) {
      this.options.logs.system(
        `killed ${fn.displayName} instance pid ${pid} mid-invocation (${why})`,
      );
    }
    return pids.length;
  }

  /**
   * After each invocation of `after` for an order (its payload's orderId), kills the victim's
   * instance running that order's invocation, at `rate` and up to `max` times.
   */
  crashAfter(rule: CrashRuleOptions): CrashRule {
    const random = rule.random ?? Math.random;
    const after = this.resolve(rule.after).name;
    this.resolve(rule.victim);
    let crashes = 0;
    const stop = this.invoker.onAfterInvoke((fn, payload) => {
      if (fn.name !== after || (rule.max !== undefined && crashes >= rule.max)) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        return;
      }
      const orderId = (parsed as { orderId?: unknown } | null)?.orderId;
      if (typeof orderId !== 'string') return;
      try {
        if (rule.when && !rule.when(parsed)) return;
      } catch (error) {
        // A broken predicate must not turn the participant's committed answer into an error.
        this.options.logs.system(
          `crash rule after ${fn.displayName}: when() threw ${String(error)}; no crash`,
        );
        return;
      }
      if (random() >= rule.rate) return;
      const killed = this.kill(
        rule.victim,
        { payloadIncludes: orderId },
        `after ${fn.displayName} for order ${orderId}`,
      );
      if (killed > 0) crashes++;
    });
    return {
      get crashes() {
        return crashes;
      },
      stop,
    };
  }

  async stop(): Promise<void> {
    await this.running?.invoker.close();
  }

  /** Per function, the instances its SQS event sources may keep busy (Lambda's MaximumConcurrency). */
  private sqsConcurrency(): Map<string, number> {
    const queueArns = new Set(this.options.queues.map((q) => q.arn));
    const concurrency = new Map<string, number>();
    for (const esm of this.options.template.eventSources()) {
      if (!queueArns.has(esm.eventSourceArn)) continue;
      const scaling = esm.properties.ScalingConfig as { MaximumConcurrency?: number } | undefined;
      const n = Number(scaling?.MaximumConcurrency ?? DEFAULT_SQS_CONCURRENCY);
      concurrency.set(esm.functionName, (concurrency.get(esm.functionName) ?? 0) + n);
    }
    return concurrency;
  }
}

/** What the functions run on: one line per runtime, a note when it is not the runtime's Node. */
function runtimeLines(invoker: Invoker): string[] {
  const byRuntime = new Map<string, FunctionNode>();
  for (const node of invoker.nodes.values()) byRuntime.set(node.runtime, node);
  return [...byRuntime.values()].map((node) =>
    node.matchesRuntime
      ? `functions (${node.runtime}) run on Node ${node.version} (${node.source === 'host' ? "the host's" : node.source})`
      : `note: functions name ${node.runtime} but no such Node is installed here (npm ci brings Node 24 on Linux): they run on the host's Node ${node.version}`,
  );
}

/** The environment Lambda gives every function, with its own fake credentials. */
function baseEnvironment(fn: FunctionDef): Record<string, string> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  const credentials = functionCredentials(fn.displayName);
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    LAMBDA_TASK_ROOT: fn.assetDir,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: `${date}/[$LATEST]${crypto.randomUUID().replace(/-/g, '')}`,
    AWS_LAMBDA_LOG_FORMAT: fn.logFormat,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    // Lambda runs the template's Node.js runtime; a laptop's older Node is not the function's concern.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function overridesFor(
  fn: FunctionDef,
  overrides: Record<string, Record<string, string>> | undefined,
): Record<string, string> {
  if (!overrides) return {};
  return {
    ...overrides[fn.displayName],
    ...overrides[fn.name],
    ...overrides[fn.logicalId],
  };
}
