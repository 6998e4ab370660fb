/**
 * The embedded local cloud: startLocalCloud synthesizes (or reuses) the app, then starts its
 * services in order — logs, DynamoDB Local (and the meter in front of it), fauxqs, SSM, the
 * Lambda API, the functions (./functions-service.ts), the HTTP API, the event sources
 * (./event-sources-service.ts) — writes cloud.json for the CLI, and stops them in reverse. Over
 * 300 lines because most of it is the documented LocalCloud API and its options, which
 * `npm start`, the tests and the bench use; the start itself is startWith's ordered services.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_CREDENTIALS } from './emulators/credentials.js';
import { type DynamoDbLaunch, DynamoDbService, launchDynamoDbLocal } from './emulators/dynamodb.js';
import { SqsService } from './emulators/sqs.js';
import { SsmService } from './emulators/ssm.js';
import { EventSourcesService } from './event-sources-service.js';
import { type CrashRule, type CrashRuleOptions, FunctionsService } from './functions-service.js';
import { HttpApiService } from './http/http-api.js';
import { LambdaApiService } from './http/lambda-api.js';
import type { InvokeOptions, InvokeResult } from './invoke/invoke.js';
import { type LogLine, LogSink } from './logs.js';
import { DynamoDbForwarder } from './meter/dynamodb-forwarder.js';
import { MeterService } from './meter/meter-service.js';
import { meterSnsExchange, meterSqsExchange } from './meter/sqs-meter.js';
import { UsageMeter, type UsageSnapshot } from './meter/usage.js';
import { portIsFree } from './ports.js';
import { type Service, StartupError, startServices } from './service.js';
import { loadStack } from './template/assembly.js';
import { LOCAL_REGION } from './template/intrinsics.js';
import { StackTemplate } from './template/stack.js';
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
  /** Most processes per function (default one per core, 2 to 4; more when an SQS source needs them). */
  readonly maxInstancesPerFunction?: number;
  /**
   * Write a V8 CPU profile of every function process into `<profileDir>/<function>/` when it
   * ends (`node --cpu-prof`): where an invocation's CPU goes.
   */
  readonly profileDir?: string;
  /**
   * Count DynamoDB requests, through a forwarder in front of DynamoDB Local (default false:
   * it costs the host CPU per request). SQS requests are always counted.
   */
  readonly meter?: boolean;
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
    /** SNS: the same fauxqs as SQS. */
    readonly sns: string;
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
  const tableDefs = defs.tables();
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
    tables: tableDefs,
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
    onSnsExchange: (exchange) => meterSnsExchange(meter, exchange),
    queues: queueDefs,
    // Topic ARNs and subscriptions resolve without runtime values (queue ARNs are by name).
    topics: defs.topics(),
    subscriptions: defs.subscriptions(),
    ...(persistDir ? { snapshotFile: path.join(persistDir, 'sqs.json') } : {}),
  });
  const ssm = new SsmService({
    parameters: defs.parameters(),
    onRequest: (operation) => meter.ssmRequest(operation),
    ...(persistDir ? { snapshotFile: path.join(persistDir, 'ssm.json') } : {}),
  });
  // The functions, event sources and outputs resolve against the running emulators; the
  // emulators themselves are made from what the template alone says (defs).
  const running = new StackTemplate(loaded, {
    queueUrl: (logicalId) => sqs.urls.get(logicalId),
    streamArn: (logicalId) => dynamodb.streamArns.get(logicalId),
    apiUrl: () => httpApi?.url,
  });
  const functions = new FunctionsService({
    template: running,
    queues: queueDefs,
    endpoints: () => ({
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint(),
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodbEndpoint(),
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SNS: sqs.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambdaApi.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    }),
    ...(options.envOverrides ? { envOverrides: options.envOverrides } : {}),
    ...(options.profileDir ? { profileDir: path.resolve(options.profileDir) } : {}),
    ...(options.maxInstancesPerFunction !== undefined
      ? { maxInstancesPerFunction: options.maxInstancesPerFunction }
      : {}),
    meter,
    logs,
    step,
  });
  const lambdaApi = new LambdaApiService({
    invoker: () => (functions.started ? functions.invoker : undefined),
    log: (m) => logs.system(m),
  });
  const [firstApi, ...otherApis] = defs.httpApis();
  if (otherApis.length > 0)
    step(
      `note: ${otherApis.length + 1} HTTP APIs in the stack; serving ${firstApi?.logicalId} only`,
    );
  const httpApi = firstApi
    ? new HttpApiService({
        api: firstApi,
        invoker: () => functions.invoker,
        port,
        log: (m) => logs.system(m),
        onRequest: () => meter.apiRequest(),
      })
    : undefined;
  const eventSources = new EventSourcesService({
    template: running,
    queues: queueDefs,
    functions,
    sqs,
    dynamodb,
    dynamodbEndpoint,
    ...(persistDir ? { checkpointsFile: path.join(persistDir, 'streams.json') } : {}),
    log: (m) => logs.system(m),
  });

  const logService: Service = {
    name: 'logs',
    start: async () => undefined,
    stop: () => logs.close(),
  };
  // Started in this order, stopped in reverse.
  const services: Service[] = [
    logService,
    dynamodb,
    ...(forwarder ? [forwarder] : []),
    meterService,
    sqs,
    ssm,
    lambdaApi,
    functions,
    ...(httpApi ? [httpApi] : []),
    eventSources,
  ];
  const stopServices = await startServices(services, step);

  const apiUrl = httpApi ? httpApi.url : '';
  const localFunctions: LocalFunction[] = functions.functions.map((fn) => ({
    logicalId: fn.logicalId,
    name: fn.name,
    arn: fn.arn,
    displayName: fn.displayName,
    assetDir: fn.assetDir,
    timeoutSeconds: fn.timeoutSeconds,
    memoryMb: fn.memoryMb,
  }));
  const tables = Object.fromEntries(tableDefs.map((t) => [t.logicalId, t.name]));
  const queues = Object.fromEntries(sqs.urls);
  const info: CloudInfo = {
    apiUrl,
    region: LOCAL_REGION,
    endpoints: {
      dynamodb: dynamodbEndpoint(),
      sqs: sqs.endpoint,
      sns: sqs.endpoint,
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

  let stopping: Promise<void> | undefined;
  return {
    ...info,
    logs,
    // An unknown name goes to the invoker as it is: it answers as Lambda does (not found).
    invoke: (name, event, invokeOptions) =>
      functions.invoker.invoke(functions.find(name)?.name ?? name, event, invokeOptions),
    inspectQueue: (logicalId) => sqs.inspect(logicalId),
    kill: (name, killOptions) => functions.kill(name, killOptions, 'on request'),
    crashAfter: (rule) => functions.crashAfter(rule),
    usage: () => meter.snapshot(),
    pids: () => [
      ...(functions.started ? functions.invoker.pids() : []),
      ...(dynamodb.pid ? [dynamodb.pid] : []),
    ],
    stop: () => {
      stopping ??= (async () => {
        if (options.writeCloudJson !== false) rmSync(cloudJson, { force: true });
        await stopServices();
      })();
      return stopping;
    },
  };
}
