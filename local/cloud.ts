import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  functionCredentials,
  LOCAL_CREDENTIALS,
  LOCAL_REGION_CONFIG,
  localCredentials,
} from './emulators/credentials.js';
import { type DynamoDbLaunch, DynamoDbService, launchDynamoDbLocal } from './emulators/dynamodb.js';
import { SqsService } from './emulators/sqs.js';
import { SsmService } from './emulators/ssm.js';
import { HttpApiService } from './http/http-api.js';
import { LambdaApiService } from './http/lambda-api.js';
import { type InvokeOptions, type InvokeResult, Invoker } from './invoke/invoke.js';
import type { FunctionNode } from './invoke/node-runtime.js';
import { type LogLine, LogSink } from './logs.js';
import { DynamoDbForwarder } from './meter/dynamodb-forwarder.js';
import { MeterService } from './meter/meter-service.js';
import { meterSqsExchange } from './meter/sqs-meter.js';
import { UsageMeter, type UsageSnapshot } from './meter/usage.js';
import { portIsFree } from './ports.js';
import { type Service, StartupError, startServices } from './service.js';
import { SqsEventSource } from './sources/sqs-source.js';
import { DynamoStreamSource, type StreamCheckpoints } from './sources/stream-source.js';
import { loadStack } from './template/assembly.js';
import { LOCAL_REGION } from './template/intrinsics.js';
import { type FunctionDef, StackTemplate } from './template/stack.js';
import { type FaultOptions, faultContext, synthesize } from './template/synth.js';

export type { LogLine } from './logs.js';
export type { UsageSnapshot } from './meter/usage.js';
export { StartupError } from './service.js';

/** Options of `startLocalCloud`. */
export interface LocalCloudOptions {
  /** Port of the HTTP API (default: `PORT` env, else 3000; 0 picks a free one). */
  readonly port?: number;
  /** Keep DynamoDB data, queued messages and stream positions under `stateDir` across restarts. */
  readonly persist?: boolean;
  /** Where logs, cloud.json and persisted state go (default `.local`). */
  readonly stateDir?: string;
  /** Use this synthesized cloud assembly instead of synthesizing lib/app.ts. */
  readonly assemblyDir?: string;
  /** Where to synthesize (default `cdk.out`). */
  readonly outdir?: string;
  /** The stack to run (default: the assembly's only stack). */
  readonly stackName?: string;
  /** Extra CDK context for the synth. */
  readonly context?: Record<string, unknown>;
  /** Fault injection, mapped to the stack's context (faultFailRate, inventoryFaultDelayMs, …). */
  readonly faults?: FaultOptions;
  /** Environment overrides per function: keyed by logical id, function name or display name. */
  readonly envOverrides?: Record<string, Record<string, string>>;
  /** Show the live log view on the console (default true). */
  readonly console?: boolean;
  /** Called with each line a function writes. */
  readonly onLog?: (line: LogLine) => void;
  /** Called as each startup step is done. */
  readonly onStep?: (message: string) => void;
  /** Write `<stateDir>/cloud.json` for the CLI (default true). */
  readonly writeCloudJson?: boolean;
  /** Most processes per function (default 4, or more when an SQS source needs them). */
  readonly maxInstancesPerFunction?: number;
  /**
   * Count DynamoDB requests, through a forwarder in front of DynamoDB Local (default false:
   * it costs the host CPU per request). SQS requests are always counted.
   */
  readonly meter?: boolean;
}

/** When `crashAfter` kills: after `after` succeeded (and `when` holds), with probability `rate`, at most `max` times. */
interface CrashRuleOptions {
  readonly victim: string;
  readonly after: string;
  readonly rate: number;
  readonly max?: number;
  /** Given the parsed payload of the `after` invocation. */
  readonly when?: (payload: unknown) => boolean;
  readonly random?: () => number;
}

/** An active crash rule. */
interface CrashRule {
  /** How many times it killed the victim. */
  readonly crashes: number;
  stop(): void;
}

/** A function as the local cloud runs it. */
interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly displayName: string;
  readonly assetDir: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** What `.local/cloud.json` holds: how the CLI and tests find the running local cloud. */
export interface CloudInfo {
  readonly apiUrl: string;
  readonly region: string;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly sqs: string;
    readonly lambda: string;
    readonly ssm: string;
    /** The usage meter: `GET <meter>/usage` answers a UsageSnapshot. */
    readonly meter: string;
  };
  /** The emulators' static credentials (fake; any would do). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tables: Record<string, string>;
  readonly queues: Record<string, string>;
  readonly functions: LocalFunction[];
  /** Where each function's lines go, one `<logicalId>.log` per function. */
  readonly logsDir: string;
  /** The template this local cloud runs. */
  readonly templateFile: string;
  readonly outputs: Record<string, string>;
  readonly stackName: string;
  readonly pid: number;
  readonly startedAt: string;
}

/** A running local cloud. */
export interface LocalCloud extends CloudInfo {
  /** Every function's output lines, as `line` events. */
  readonly logs: LogSink;
  /** Invokes a function through the invoke path (name, ARN or logical id). */
  invoke(nameOrLogicalId: string, event: unknown, options?: InvokeOptions): Promise<InvokeResult>;
  /** Messages of a queue (by logical id), without receiving them. */
  inspectQueue(logicalId: string): ReturnType<SqsService['inspect']>;
  /**
   * Kills (SIGKILL) the function's instances running an invocation right now (only those whose
   * payload contains `payloadIncludes`, when given), as a crash would; the invocation fails with
   * Runtime.ExitError and the next one gets a fresh instance. Returns how many were killed.
   */
  kill(nameOrLogicalId: string, options?: { payloadIncludes?: string }): number;
  /**
   * Kills the `victim`'s instances working on the same order right after an invocation of
   * `after` succeeded (the participant committed; the caller never gets the answer).
   */
  crashAfter(rule: CrashRuleOptions): CrashRule;
  /** What the local cloud counted so far (DynamoDB only with `meter: true`). */
  usage(): UsageSnapshot;
  /** PIDs of the processes the local cloud started (functions and DynamoDB Local). */
  pids(): number[];
  /** Stops everything, in reverse order of start. */
  stop(): Promise<void>;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Starts the embedded local cloud from the synthesized CDK template: DynamoDB Local with
 * the stack's tables, fauxqs with its queues, each function from its bundled asset in its
 * own processes, the Lambda Invoke API, the HTTP API and the event sources.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const stateDir = path.resolve(options.stateDir ?? '.local');
  mkdirSync(stateDir, { recursive: true });
  const step = options.onStep ?? (() => undefined);
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000);

  if (port !== 0 && !(await portIsFree(port))) {
    throw new StartupError(
      `port ${port} is in use: stop the other process or run \`PORT=${port + 1} npm start\``,
    );
  }
  const persistDir = options.persist ? stateDir : undefined;
  // The JVM takes seconds to start and needs no template: it starts while the app synthesizes.
  const launched = launchDynamoDbLocal(persistDir ? path.join(persistDir, 'dynamodb') : undefined);
  launched.catch(() => undefined);
  try {
    return await startWith(options, stateDir, port, step, persistDir, launched);
  } catch (error) {
    // Stops the JVM when the start failed before DynamoDbService owned it (a synth error).
    (await launched.catch(() => undefined))?.child.kill('SIGKILL');
    throw error;
  }
}

async function startWith(
  options: LocalCloudOptions,
  stateDir: string,
  port: number,
  step: (message: string) => void,
  persistDir: string | undefined,
  launched: Promise<DynamoDbLaunch>,
): Promise<LocalCloud> {
  let assemblyDir = options.assemblyDir;
  if (!assemblyDir) {
    const t0 = performance.now();
    const synth = await synthesize({
      outdir: options.outdir ?? 'cdk.out',
      context: { ...options.context, ...faultContext(options.faults ?? {}) },
    });
    assemblyDir = synth.directory;
    const shown = path.relative(process.cwd(), assemblyDir) || assemblyDir;
    step(
      synth.reused
        ? `reused ${shown}: synthesized from these sources and context (${Math.round(performance.now() - t0)} ms)`
        : `synthesized ${shown} (${Math.round(performance.now() - t0)} ms)`,
    );
  }
  const loaded = loadStack(assemblyDir, options.stackName);
  // What the emulators are made from: the template alone (no running values needed).
  const defs = new StackTemplate(loaded);
  const restApis = defs.restApis();
  if (restApis.length > 0) {
    step(
      `note: REST APIs (${restApis.join(', ')}) are not served locally yet; only HTTP APIs (API Gateway v2)`,
    );
  }

  const logs = new LogSink({
    dir: path.join(stateDir, 'logs'),
    console: options.console !== false,
  });
  if (options.onLog) logs.on('line', options.onLog);
  const dynamodb = new DynamoDbService({
    launched,
    tables: defs.tables(),
    ...(persistDir ? { dbPath: path.join(persistDir, 'dynamodb') } : {}),
  });
  const meter = new UsageMeter();
  const meterService = new MeterService(meter);
  const forwarder = options.meter
    ? new DynamoDbForwarder(meter, () => dynamodb.endpoint)
    : undefined;
  /** Where functions, pollers and the CLI reach DynamoDB: through the meter when it is on. */
  const dynamodbEndpoint = () => forwarder?.endpoint ?? dynamodb.endpoint;
  const queueDefs = defs.queues();
  const sqs = new SqsService({
    onExchange: (exchange) => meterSqsExchange(meter, exchange),
    queues: queueDefs,
    ...(persistDir ? { snapshotFile: path.join(persistDir, 'sqs.json') } : {}),
  });
  const ssm = new SsmService({
    parameters: defs.parameters(),
    onRequest: (operation) => meter.ssmRequest(operation),
    ...(persistDir ? { snapshotFile: path.join(persistDir, 'ssm.json') } : {}),
  });
  let invoker: Invoker | undefined;
  const lambdaApi = new LambdaApiService({ invoker: () => invoker, log: (m) => logs.system(m) });
  const checkpointsFile = persistDir ? path.join(persistDir, 'streams.json') : undefined;
  const checkpoints: StreamCheckpoints =
    checkpointsFile && existsSync(checkpointsFile)
      ? JSON.parse(readFileSync(checkpointsFile, 'utf8'))
      : {};

  let functions: FunctionDef[] = [];
  const sources: Array<SqsEventSource | DynamoStreamSource> = [];
  const functionsService: Service = {
    name: 'functions',
    start: async () => {
      functions = running.functions();
      const esms = running.eventSources();
      const queueByArn = new Map(queueDefs.map((q) => [q.arn, q]));
      const sqsConcurrency = new Map<string, number>();
      for (const esm of esms) {
        if (!queueByArn.has(esm.eventSourceArn)) continue;
        const scaling = esm.properties.ScalingConfig as { MaximumConcurrency?: number } | undefined;
        const n = Number(scaling?.MaximumConcurrency ?? 2);
        sqsConcurrency.set(esm.functionName, (sqsConcurrency.get(esm.functionName) ?? 0) + n);
      }
      const endpoints = {
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint(),
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodbEndpoint(),
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambdaApi.endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      };
      invoker = new Invoker(functions, {
        envOf: (fn) => ({
          ...baseEnvironment(fn),
          ...endpoints,
          ...fn.environment,
          ...overridesFor(fn, options.envOverrides),
        }),
        maxInstancesOf: (fn) =>
          Math.max(options.maxInstancesPerFunction ?? 4, sqsConcurrency.get(fn.name) ?? 0),
        onOutput: (fn) => (stream, line) => {
          meter.functionOutput(fn.displayName, fn.memoryMb, line);
          logs.write(fn.logicalId, fn.displayName, stream, line);
        },
        onInit: (fn, ms) => meter.coldStart(fn.displayName, ms),
      });
      for (const line of runtimeLines(invoker)) step(line);
      const streams = new DynamoDBStreamsClient({
        endpoint: dynamodbEndpoint(),
        ...LOCAL_REGION_CONFIG,
        credentials: localCredentials(),
      });
      const log = (m: string) => logs.system(m);
      for (const esm of esms) {
        if (esm.properties.Enabled === false) continue;
        const fn = invoker.find(esm.functionName);
        const queue = queueByArn.get(esm.eventSourceArn);
        if (!fn) {
          log(`event source ${esm.logicalId}: no function ${esm.functionName}; skipped`);
        } else if (queue) {
          const queueUrl = sqs.urls.get(queue.logicalId)!;
          sources.push(
            new SqsEventSource(esm, {
              invoker,
              sqs: sqs.client!,
              queueUrl,
              queueArn: queue.arn,
              log,
            }),
          );
        } else if ([...dynamodb.streamArns.values()].includes(esm.eventSourceArn)) {
          sources.push(
            new DynamoStreamSource(esm, {
              invoker,
              streams,
              sqs: sqs.client!,
              queueUrlOf: (arn) => {
                const q = queueByArn.get(arn);
                return q ? sqs.urls.get(q.logicalId) : undefined;
              },
              functionArn: fn.arn,
              checkpoints,
              log,
            }),
          );
        } else {
          log(
            `event source ${esm.logicalId}: ${esm.eventSourceArn} is not a local queue or stream; skipped`,
          );
        }
      }
    },
    stop: async () => {
      await invoker?.close();
    },
  };
  const eventSources: Service = {
    name: 'event sources',
    start: async () => {
      for (const source of sources) await source.start();
    },
    stop: async () => {
      await Promise.all(sources.map((s) => s.stop()));
      if (checkpointsFile) writeJson(checkpointsFile, checkpoints);
    },
  };
  let httpApi: HttpApiService | undefined;
  const httpApis = defs.httpApis();
  const firstApi = httpApis[0];
  if (firstApi)
    httpApi = new HttpApiService({
      api: firstApi,
      invoker: lazyInvoker(() => invoker),
      port,
      log: (m) => logs.system(m),
      onRequest: () => meter.apiRequest(),
    });
  if (httpApis.length > 1)
    step(`note: ${httpApis.length} HTTP APIs in the stack; serving ${firstApi?.logicalId} only`);
  // What the functions, event sources and outputs resolve to once the emulators run.
  const running = new StackTemplate(loaded, {
    queueUrl: (logicalId) => sqs.urls.get(logicalId),
    streamArn: (logicalId) => dynamodb.streamArns.get(logicalId),
    apiUrl: () => httpApi?.url,
  });

  const logService: Service = {
    name: 'logs',
    start: async () => undefined,
    stop: () => logs.close(),
  };
  const services: Service[] = [
    logService,
    dynamodb,
    ...(forwarder ? [forwarder] : []),
    meterService,
    sqs,
    ssm,
    lambdaApi,
    functionsService,
  ];
  if (httpApi) services.push(httpApi);
  services.push(eventSources);
  const stopServices = await startServices(services, step);

  const apiUrl = httpApi ? httpApi.url : '';
  const localFunctions: LocalFunction[] = functions.map((fn) => ({
    logicalId: fn.logicalId,
    name: fn.name,
    arn: fn.arn,
    displayName: fn.displayName,
    assetDir: fn.assetDir,
    timeoutSeconds: fn.timeoutSeconds,
    memoryMb: fn.memoryMb,
  }));
  const tables = Object.fromEntries(defs.tables().map((t) => [t.logicalId, t.name]));
  const queues = Object.fromEntries(sqs.urls);
  const info: CloudInfo = {
    apiUrl,
    region: LOCAL_REGION,
    endpoints: {
      dynamodb: dynamodbEndpoint(),
      sqs: sqs.endpoint,
      lambda: lambdaApi.endpoint,
      ssm: ssm.endpoint,
      meter: meterService.endpoint,
    },
    credentials: { ...LOCAL_CREDENTIALS },
    tables,
    queues,
    functions: localFunctions,
    logsDir: path.join(stateDir, 'logs'),
    templateFile: loaded.templateFile,
    outputs: running.outputs(),
    stackName: loaded.stackName,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const cloudJson = path.join(stateDir, 'cloud.json');
  if (options.writeCloudJson !== false) writeJson(cloudJson, info);

  /** A function's physical name from its name, logical id or display name (any case). */
  const resolveFunction = (name: string): string => {
    const lower = name.toLowerCase();
    const found = functions.find(
      (f) => f.name === name || f.logicalId === name || f.displayName.toLowerCase() === lower,
    );
    if (!found) {
      throw new Error(
        `no function ${name} (known: ${functions.map((f) => f.displayName).join(', ')})`,
      );
    }
    return found.name;
  };
  const killInstances = (
    name: string,
    killOptions: { payloadIncludes?: string } | undefined,
    why: string,
  ): number => {
    const fn = invoker!.find(resolveFunction(name));
    const pids = invoker!.kill(resolveFunction(name), killOptions);
    for (const pid of pids) {
      logs.system(`killed ${fn?.displayName ?? name} instance pid ${pid} mid-invocation (${why})`);
    }
    return pids.length;
  };
  let stopping: Promise<void> | undefined;
  return {
    ...info,
    logs,
    invoke: (name, event, invokeOptions) => {
      const byLogicalId = functions.find((f) => f.logicalId === name || f.displayName === name);
      return invoker!.invoke(byLogicalId?.name ?? name, event, invokeOptions);
    },
    inspectQueue: (logicalId) => sqs.inspect(logicalId),
    kill: (name, killOptions) => killInstances(name, killOptions, 'on request'),
    crashAfter: (rule) => {
      const random = rule.random ?? Math.random;
      const after = resolveFunction(rule.after);
      resolveFunction(rule.victim);
      let crashes = 0;
      const stop = invoker!.onAfterInvoke((fn, payload) => {
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
          logs.system(
            `crash rule after ${fn.displayName}: when() threw ${String(error)}; no crash`,
          );
          return;
        }
        if (random() >= rule.rate) return;
        const killed = killInstances(
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
    },
    usage: () => meter.snapshot(),
    pids: () => [...(invoker?.pids() ?? []), ...(dynamodb.pid ? [dynamodb.pid] : [])],
    stop: () => {
      stopping ??= (async () => {
        if (options.writeCloudJson !== false) rmSync(cloudJson, { force: true });
        await stopServices();
      })();
      return stopping;
    },
  };
}

/** The invoker, once the functions service has created it. */
function lazyInvoker(get: () => Invoker | undefined): Invoker {
  return new Proxy({} as Invoker, {
    get(_target, property) {
      const invoker = get();
      if (!invoker) throw new StartupError('functions are not started');
      const value = Reflect.get(invoker, property, invoker);
      return typeof value === 'function' ? value.bind(invoker) : value;
    },
  });
}

/** The environment Lambda gives every function, with fake credentials. */
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

function baseEnvironment(fn: FunctionDef): Record<string, string> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    LAMBDA_TASK_ROOT: fn.assetDir,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: functionCredentials(fn.displayName).accessKeyId,
    AWS_SECRET_ACCESS_KEY: functionCredentials(fn.displayName).secretAccessKey,
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
