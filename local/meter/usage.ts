/**
 * What the local cloud's services were asked to do, counted where it sees the requests:
 * DynamoDB operations (through the metering forwarder, when on) and SQS actions (in fauxqs).
 * A pure counter: no I/O, so the bench, the CLI and tests read the same figures. Over 300
 * lines because it holds both the counter and the difference of two snapshots, field by field.
 */

/** Requests of one service: by operation, by resource (table or queue) and operation, failures. */
interface ServiceUsage {
  /** Whether the local cloud counted this service's requests at all. */
  readonly metered: boolean;
  /** Requests by operation (`PutItem`, `SendMessageBatch`, …). */
  readonly requests: Record<string, number>;
  /** Requests by table or queue name, then operation (a transaction counts once per table it names). */
  readonly byResource: Record<string, Record<string, number>>;
  /** Answers with an HTTP status ≥ 400, by operation (e.g. a failed condition). */
  readonly errors: Record<string, number>;
}

/** SQS figures that are not request counts: messages moved and receives that got none. */
interface SqsMessages {
  readonly sent: number;
  readonly received: number;
  readonly deleted: number;
  readonly emptyReceives: number;
}

/** DynamoDB request units one caller consumed in one table, as DynamoDB bills them. */
export interface CapacityUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
}

/** One function's invocations as Lambda bills them (from each invocation's REPORT). */
export interface FunctionUsage {
  readonly invocations: number;
  /** Sum of the billed durations (each rounded up to the ms). */
  readonly billedMs: number;
  readonly memoryMb: number;
  /** Invocations whose REPORT status was not success. */
  readonly errors: number;
  /** Log events the function wrote, and their bytes as CloudWatch Logs meters them. */
  readonly logEvents: number;
  readonly logBytes: number;
}

/** A snapshot of the meter. */
export interface UsageSnapshot {
  /** When the counts started (ISO time). */
  readonly since: string;
  readonly dynamodb: ServiceUsage & {
    /** Request units by caller (a function's name, or OUTSIDE_CALLER), then table. */
    readonly capacity: Record<string, Record<string, CapacityUnits>>;
  };
  readonly sqs: ServiceUsage & { readonly messages: SqsMessages };
  /** SNS requests by action and topic, the messages published and the requests SNS bills. */
  readonly sns: ServiceUsage & {
    readonly published: number;
    /** Publish requests as SNS bills them (64 KB chunks of each payload), by topic. */
    readonly billedRequests: Record<string, number>;
  };
  /** Lambda usage by function name. */
  readonly lambda: Record<string, FunctionUsage>;
  /** Requests the HTTP API served. */
  readonly api: { readonly requests: number };
  /** SSM requests by operation. */
  readonly ssm: Record<string, number>;
  /** Module init times (ms) of each function's cold starts, oldest first (the last 1,000). */
  readonly initDurationsMs: Record<string, number[]>;
}

const MAX_INIT_SAMPLES = 1000;
/** The caller of a DynamoDB request no function signed: the CLI, the host's stream pollers. */
export const OUTSIDE_CALLER = 'outside';
/** What CloudWatch Logs adds to each event's message bytes when it meters ingestion. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
/** How a REPORT line starts in Lambda's JSON log format (the runtime writes it first). */
const REPORT_PREFIX = '{"time":';

type Counts = Map<string, number>;

function add(counts: Counts, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

class ServiceCounter {
  readonly requests: Counts = new Map();
  readonly byResource = new Map<string, Counts>();
  readonly errors: Counts = new Map();

  constructor(public metered: boolean) {}

  count(operation: string, resources: Iterable<string>, failed: boolean): void {
    add(this.requests, operation);
    if (failed) add(this.errors, operation);
    for (const resource of resources) {
      const counts = this.byResource.get(resource) ?? new Map<string, number>();
      this.byResource.set(resource, counts);
      add(counts, operation);
    }
  }

  toJSON(): ServiceUsage {
    return {
      metered: this.metered,
      requests: sortedObject(this.requests),
      byResource: Object.fromEntries(
        [...this.byResource]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, sortedObject(v)]),
      ),
      errors: sortedObject(this.errors),
    };
  }
}

function sortedObject(counts: Counts): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Counts the requests the local cloud's DynamoDB, SQS and SNS answer. */
export class UsageMeter {
  private readonly since = new Date().toISOString();
  private readonly dynamodb = new ServiceCounter(false);
  private readonly sqs = new ServiceCounter(true);
  private readonly messages = { sent: 0, received: 0, deleted: 0, emptyReceives: 0 };
  private readonly sns = new ServiceCounter(true);
  private snsPublished = 0;
  private readonly snsBilled: Counts = new Map();
  private readonly inits = new Map<string, number[]>();
  private readonly capacity = new Map<
    string,
    Map<string, { readUnits: number; writeUnits: number }>
  >();
  private readonly functions = new Map<
    string,
    { -readonly [K in keyof FunctionUsage]: FunctionUsage[K] }
  >();
  private apiRequests = 0;
  private readonly ssm: Counts = new Map();

  /**
   * One line a function wrote: its bytes as CloudWatch Logs ingests them, and, for a REPORT
   * (platform.report) line, one invocation with its billed duration.
   */
  functionOutput(fn: string, memoryMb: number, line: string): void {
    let usage = this.functions.get(fn);
    if (!usage) {
      usage = { invocations: 0, billedMs: 0, memoryMb, errors: 0, logEvents: 0, logBytes: 0 };
      this.functions.set(fn, usage);
    }
    usage.logEvents++;
    usage.logBytes += Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES;
    if (!line.startsWith(REPORT_PREFIX) || !line.includes('"platform.report"')) return;
    try {
      const { record } = JSON.parse(line) as {
        record?: { status?: string; metrics?: { billedDurationMs?: number } };
      };
      usage.invocations++;
      usage.billedMs += Number(record?.metrics?.billedDurationMs) || 0;
      if (record?.status !== 'success') usage.errors++;
    } catch {
      // not a report after all
    }
  }

  /** One request the HTTP API served. */
  apiRequest(): void {
    this.apiRequests++;
  }

  /** One SSM request. */
  ssmRequest(operation: string): void {
    add(this.ssm, operation);
  }

  /** Request units a caller consumed in a table. */
  dynamoDbCapacity(caller: string, table: string, units: CapacityUnits): void {
    const tables = this.capacity.get(caller) ?? new Map();
    this.capacity.set(caller, tables);
    const now = tables.get(table) ?? { readUnits: 0, writeUnits: 0 };
    tables.set(table, now);
    now.readUnits += units.readUnits;
    now.writeUnits += units.writeUnits;
  }

  /** One cold start of a function: how long its handler module took to load. */
  coldStart(fn: string, initDurationMs: number): void {
    const samples = this.inits.get(fn) ?? [];
    this.inits.set(fn, samples);
    samples.push(Math.round(initDurationMs * 10) / 10);
    if (samples.length > MAX_INIT_SAMPLES) samples.shift();
  }

  /** Marks DynamoDB as metered (the forwarder is in front of DynamoDB Local). */
  meterDynamoDb(): void {
    this.dynamodb.metered = true;
  }

  /** One DynamoDB (or DynamoDB Streams) request: its operation and the tables it names. */
  dynamoDbRequest(operation: string, tables: Iterable<string>, failed: boolean): void {
    this.dynamodb.count(operation, tables, failed);
  }

  /** One SQS request, with the messages it moved. */
  sqsRequest(
    action: string,
    queue: string | undefined,
    failed: boolean,
    moved: { sent?: number; received?: number; deleted?: number } = {},
  ): void {
    this.sqs.count(action, queue ? [queue] : [], failed);
    this.messages.sent += moved.sent ?? 0;
    this.messages.deleted += moved.deleted ?? 0;
    if (moved.received !== undefined) {
      this.messages.received += moved.received;
      if (moved.received === 0 && !failed) this.messages.emptyReceives++;
    }
  }

  /** One SNS request, with the messages it published and the publish requests SNS bills. */
  snsRequest(
    action: string,
    topic: string | undefined,
    failed: boolean,
    counted: { published: number; billedRequests: number },
  ): void {
    this.sns.count(action, topic ? [topic] : [], failed);
    this.snsPublished += counted.published;
    if (topic && counted.published > 0) add(this.snsBilled, topic, counted.billedRequests);
  }

  /** The counts so far. */
  snapshot(): UsageSnapshot {
    return {
      since: this.since,
      dynamodb: {
        ...this.dynamodb.toJSON(),
        capacity: Object.fromEntries(
          [...this.capacity].map(([caller, tables]) => [
            caller,
            Object.fromEntries([...tables].map(([table, units]) => [table, { ...units }])),
          ]),
        ),
      },
      sqs: { ...this.sqs.toJSON(), messages: { ...this.messages } },
      sns: {
        ...this.sns.toJSON(),
        published: this.snsPublished,
        billedRequests: sortedObject(this.snsBilled),
      },
      lambda: Object.fromEntries([...this.functions].map(([fn, usage]) => [fn, { ...usage }])),
      api: { requests: this.apiRequests },
      ssm: sortedObject(this.ssm),
      initDurationsMs: Object.fromEntries([...this.inits].map(([k, v]) => [k, [...v]])),
    };
  }
}

function diffCounts(after: Record<string, number>, before: Record<string, number> | undefined) {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before?.[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function diffService<T extends ServiceUsage>(after: T, before: T): ServiceUsage {
  const byResource: Record<string, Record<string, number>> = {};
  for (const [k, v] of Object.entries(after.byResource)) {
    const d = diffCounts(v, before.byResource[k]);
    if (Object.keys(d).length > 0) byResource[k] = d;
  }
  return {
    metered: after.metered,
    requests: diffCounts(after.requests, before.requests),
    byResource,
    errors: diffCounts(after.errors, before.errors),
  };
}

/** caller → table → units, after less before. */
function diffNested(
  after: Record<string, Record<string, CapacityUnits>>,
  before: Record<string, Record<string, CapacityUnits>>,
): Record<string, Record<string, CapacityUnits>> {
  return Object.fromEntries(
    Object.entries(after).map(([caller, tables]) => [
      caller,
      Object.fromEntries(
        Object.entries(tables).map(([table, units]) => {
          const was = before[caller]?.[table];
          return [
            table,
            {
              readUnits: units.readUnits - (was?.readUnits ?? 0),
              writeUnits: units.writeUnits - (was?.writeUnits ?? 0),
            },
          ];
        }),
      ),
    ]),
  );
}

/** What was counted between two snapshots of the same meter. */
export function usageBetween(before: UsageSnapshot, after: UsageSnapshot): UsageSnapshot {
  const m = after.sqs.messages;
  const b = before.sqs.messages;
  return {
    since: before.since,
    dynamodb: {
      ...diffService(after.dynamodb, before.dynamodb),
      capacity: diffNested(after.dynamodb.capacity, before.dynamodb.capacity),
    },
    lambda: Object.fromEntries(
      Object.entries(after.lambda).map(([fn, usage]) => {
        const was = before.lambda[fn];
        return [
          fn,
          {
            invocations: usage.invocations - (was?.invocations ?? 0),
            billedMs: usage.billedMs - (was?.billedMs ?? 0),
            memoryMb: usage.memoryMb,
            errors: usage.errors - (was?.errors ?? 0),
            logEvents: usage.logEvents - (was?.logEvents ?? 0),
            logBytes: usage.logBytes - (was?.logBytes ?? 0),
          },
        ];
      }),
    ),
    api: { requests: after.api.requests - before.api.requests },
    ssm: diffCounts(after.ssm, before.ssm),
    sqs: {
      ...diffService(after.sqs, before.sqs),
      messages: {
        sent: m.sent - b.sent,
        received: m.received - b.received,
        deleted: m.deleted - b.deleted,
        emptyReceives: m.emptyReceives - b.emptyReceives,
      },
    },
    sns: {
      ...diffService(after.sns, before.sns),
      published: after.sns.published - before.sns.published,
      billedRequests: diffCounts(after.sns.billedRequests, before.sns.billedRequests),
    },
    initDurationsMs: Object.fromEntries(
      Object.entries(after.initDurationsMs).map(([fn, v]) => [
        fn,
        v.slice(Math.min(v.length, before.initDurationsMs[fn]?.length ?? 0)),
      ]),
    ),
  };
}
