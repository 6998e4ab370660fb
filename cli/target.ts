/**
 * Where the CLI points: the embedded local cloud (its `.local/cloud.json`, the default) or a
 * deployed stack (the JSON of `cdk deploy --outputs-file`).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from './errors.js';

/** The stack outputs the CLI reads (CfnOutputs of lib/mini-ec-stack.ts). */
export interface StackOutputs {
  ApiUrl: string;
  OrdersTableName: string;
  InventoryTableName: string;
  PaymentsTableName: string;
  [name: string]: string;
}

/**
 * The stack's per-function outputs `<Function><suffix>` (ApiFunctionName, OutboxRelayLogGroupName,
 * …): the function's service name (OutboxRelay → outbox-relay) → the output's value.
 */
export function perFunctionOutputs(
  outputs: StackOutputs,
  suffix: 'FunctionName' | 'LogGroupName',
): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(outputs)) {
    const prefix = key.endsWith(suffix) ? key.slice(0, -suffix.length) : '';
    if (/^\w+$/.test(prefix))
      found.set(prefix.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase(), value);
  }
  return found;
}

/** A queue's name, from its URL. */
export const queueNameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** A resolved target: the API's base URL, the AWS region and, locally, the endpoints. */
export interface Target {
  kind: 'local' | 'stack';
  /** Base URL of the HTTP API, without a trailing slash. */
  apiUrl: string;
  region: string;
  /** Service endpoints of the local cloud; undefined for a deployed stack (SDK defaults). */
  endpoints?: {
    dynamodb?: string;
    sqs?: string;
    sns?: string;
    lambda?: string;
    ssm?: string;
    meter?: string;
  };
  /** Static credentials of the local cloud's emulators; undefined for a deployed stack. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  outputs: StackOutputs;
  /** The local cloud's log folder and its functions' names by logical id; undefined for a stack. */
  logs?: { dir: string; functionNames: Record<string, string> };
  /** The stack's name (the key of cdk-outputs.json, or the local cloud's stack). */
  stackName?: string;
  /** The template the local cloud runs; undefined for a stack. */
  templateFile?: string;
}

/**
 * The project's root: the nearest folder above `moduleUrl` that holds a package.json. The CLI
 * runs as cli/*.ts (tsx, tests) or as its cached bundle in .cache/cli/, so no fixed `../` fits.
 */
export function projectRoot(moduleUrl: string): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..');
  }
}

/** The local cloud's file, from the project's root (where `npm start` writes it). */
export const DEFAULT_CLOUD_FILE = path.join(projectRoot(import.meta.url), '.local', 'cloud.json');
/** Environment variable naming another cloud file (tests, a second local cloud). */
const CLOUD_FILE_ENV = 'MINI_EC_CLOUD_FILE';

const NO_TARGET =
  'no local cloud is running (start it with npm start) — or pass --stack-outputs cdk-outputs.json';
const REQUIRED_OUTPUTS = ['ApiUrl', 'OrdersTableName', 'InventoryTableName', 'PaymentsTableName'];
/** The emulators accept any credentials; the SDK only needs some to sign with. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface TargetOptions {
  stackOutputs?: string;
  cloudFile?: string;
  env: NodeJS.ProcessEnv;
}

/** Resolves the target from the options: `--stack-outputs`, else `--cloud`/env/default file. */
export function resolveTarget(options: TargetOptions): Target {
  if (options.stackOutputs !== undefined) return stackTarget(options.stackOutputs, options.env);
  const file = options.cloudFile ?? options.env[CLOUD_FILE_ENV] ?? DEFAULT_CLOUD_FILE;
  if (!existsSync(file)) throw new CliError(NO_TARGET, EXIT.usage);
  return localTarget(file);
}

function localTarget(file: string): Target {
  const cloud = readJson(file);
  if (typeof cloud.pid === 'number' && !isAlive(cloud.pid)) {
    throw new CliError(NO_TARGET, EXIT.usage);
  }
  const outputs = requireOutputs(cloud.outputs, file);
  const apiUrl = typeof cloud.apiUrl === 'string' ? cloud.apiUrl : outputs.ApiUrl;
  const endpoints = isRecord(cloud.endpoints) ? stringsOf(cloud.endpoints) : {};
  const credentials = isRecord(cloud.credentials) ? stringsOf(cloud.credentials) : {};
  return {
    kind: 'local',
    apiUrl: trimSlash(apiUrl),
    region: typeof cloud.region === 'string' ? cloud.region : 'us-east-1',
    endpoints,
    credentials:
      credentials.accessKeyId && credentials.secretAccessKey
        ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }
        : LOCAL_CREDENTIALS,
    outputs,
    ...(typeof cloud.stackName === 'string' ? { stackName: cloud.stackName } : {}),
    ...(typeof cloud.templateFile === 'string' ? { templateFile: cloud.templateFile } : {}),
    logs: {
      dir:
        typeof cloud.logsDir === 'string' ? cloud.logsDir : path.join(path.dirname(file), 'logs'),
      functionNames: functionNamesOf(cloud.functions),
    },
  };
}

/** logicalId → displayName of cloud.json's functions. */
function functionNamesOf(functions: unknown): Record<string, string> {
  if (!Array.isArray(functions)) return {};
  return Object.fromEntries(
    functions
      .filter(isRecord)
      .filter((f) => typeof f.logicalId === 'string' && typeof f.displayName === 'string')
      .map((f) => [f.logicalId as string, f.displayName as string]),
  );
}

function stackTarget(file: string, env: NodeJS.ProcessEnv): Target {
  if (!existsSync(file)) throw new CliError(`--stack-outputs: no file ${file}`, EXIT.usage);
  const json = readJson(file);
  // `cdk deploy --outputs-file` writes { "<StackName>": { "<Output>": "…" } }; a flat object
  // of outputs is accepted too.
  const named = Object.entries(json).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      isRecord(entry[1]) && 'ApiUrl' in entry[1],
  );
  const stacks = named.map(([, outputs]) => outputs);
  if (stacks.length > 1) {
    throw new CliError(
      `${file} holds ${stacks.length} stacks with an ApiUrl; keep one`,
      EXIT.usage,
    );
  }
  const outputs = requireOutputs(stacks[0] ?? json, file);
  const region =
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(outputs.ApiUrl)?.[1] ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError(`cannot tell the region of ${outputs.ApiUrl}; set AWS_REGION`);
  const stackName = named[0]?.[0];
  return {
    kind: 'stack',
    apiUrl: trimSlash(outputs.ApiUrl),
    region,
    outputs,
    ...(stackName ? { stackName } : {}),
  };
}

function requireOutputs(value: unknown, file: string): StackOutputs {
  const outputs = isRecord(value) ? stringsOf(value) : {};
  const missing = REQUIRED_OUTPUTS.filter((name) => !outputs[name]);
  if (missing.length > 0) {
    throw new CliError(`${file} lacks the stack outputs ${missing.join(', ')}`, EXIT.usage);
  }
  return outputs as StackOutputs;
}

function readJson(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isRecord(value)) return value;
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage, {
      cause: error,
    });
  }
  throw new CliError(`${file} is not a JSON object`, EXIT.usage);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringsOf(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
