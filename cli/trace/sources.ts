/**
 * Where `mini-ec trace` reads the functions' log lines: the local cloud's log files (one per
 * function), or the deployed stack's function log groups in CloudWatch Logs (a Logs Insights
 * query, or FilterLogEvents with a JSON filter pattern).
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  paginateFilterLogEvents,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { LOG_KEYS, orderTraceQuery, TRACE_QUERY_LIMIT } from '../../lambdas/shared/log-keys.js';
import { CliError } from '../errors.js';
import { type RawLogLine, requestIdsAbout } from './timeline.js';

/** What a read found, and whether the store said it may be incomplete. */
export interface ReadResult {
  readonly lines: RawLogLine[];
  /** Why the lines may be incomplete (a query that did not finish, a page bound). */
  readonly partial?: string;
}

/** A store of the functions' log lines. */
export interface LogSource {
  /** What it reads, for messages ("5 log files in .local/logs"). */
  readonly description: string;
  /** The function's name for each source of a line (a log file, a log group). */
  readonly names: ReadonlyMap<string, string>;
  /** How often `--follow` reads it again. */
  readonly followIntervalMs: number;
  /** The lines about `id` since `sinceMs`, and the other lines of the invocations that wrote them. */
  read(id: string, sinceMs: number): Promise<ReadResult>;
}

/**
 * The local cloud's `<logsDir>/<FunctionLogicalId>.log` files. The first read takes them whole;
 * later reads (`--follow`) only what was appended since, up to the last complete line (a file
 * that shrank is read again from its start).
 */
export class LocalLogFiles implements LogSource {
  readonly followIntervalMs = 500;
  private readonly files = new Map<string, { bytes: number; lines: RawLogLine[] }>();

  /** `names`: function logical id → the function's name (cloud.json's functions). */
  constructor(
    private readonly dir: string,
    readonly names: ReadonlyMap<string, string> = new Map(),
  ) {}

  get description(): string {
    return `the log files in ${path.relative(process.cwd(), this.dir) || this.dir}`;
  }

  async read(): Promise<ReadResult> {
    if (!existsSync(this.dir)) throw new CliError(`no log folder ${this.dir}`);
    const lines: RawLogLine[] = [];
    for (const file of readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .sort()) {
      lines.push(...this.linesOf(file));
    }
    return { lines };
  }

  private linesOf(file: string): RawLogLine[] {
    const source = file.slice(0, -'.log'.length);
    const full = path.join(this.dir, file);
    const size = statSync(full).size;
    let known = this.files.get(file);
    if (!known || size < known.bytes) {
      known = { bytes: 0, lines: [] };
      this.files.set(file, known);
    }
    if (size === known.bytes) return known.lines;
    const fd = openSync(full, 'r');
    try {
      const chunk = Buffer.alloc(size - known.bytes);
      readSync(fd, chunk, 0, chunk.length, known.bytes);
      // Only whole lines: a newline byte never sits inside a multi-byte UTF-8 character.
      const end = chunk.lastIndexOf(0x0a) + 1;
      for (const text of chunk.subarray(0, end).toString('utf8').split('\n')) {
        if (text !== '') known.lines.push({ text, source });
      }
      known.bytes += end;
    } finally {
      closeSync(fd);
    }
    return known.lines;
  }
}

/** The log groups to read, by log group name → function name. */
export type LogGroups = ReadonlyMap<string, string>;

/**
 * What both CloudWatch Logs sources do: read the lines that name the ID, then the lines of the
 * invocations that wrote them (their REPORT, the runtime's lines), `chunk` request IDs a
 * request, each read saying when it may be incomplete.
 */
abstract class CloudWatchLogSource implements LogSource {
  readonly followIntervalMs = 5_000;
  abstract readonly description: string;
  /** Request IDs one read of invocations takes (the query or pattern text is bounded). */
  protected abstract readonly chunk: number;

  constructor(
    protected readonly client: CloudWatchLogsClient,
    readonly names: LogGroups,
  ) {}

  protected abstract linesAbout(id: string, sinceMs: number): Promise<ReadResult>;
  protected abstract linesOfInvocations(requestIds: string[], sinceMs: number): Promise<ReadResult>;

  async read(id: string, sinceMs: number): Promise<ReadResult> {
    const first = await this.linesAbout(id, sinceMs);
    const requestIds = requestIdsAbout(first.lines, id);
    const lines = [...first.lines];
    const partial = [first.partial];
    for (let i = 0; i < requestIds.length; i += this.chunk) {
      const more = await this.linesOfInvocations(requestIds.slice(i, i + this.chunk), sinceMs);
      lines.push(...more.lines);
      partial.push(more.partial);
    }
    const why = distinct(partial.filter((p) => p !== undefined));
    return why.length > 0 ? { lines, partial: why.join('; ') } : { lines };
  }
}

/** How long a Logs Insights query may run, and how progress is told. */
export interface InsightsOptions {
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly progress?: (message: string) => void;
  readonly now?: () => number;
}

/** Request IDs per query: each is quoted into an `in [...]` list (the query text is bounded). */
const REQUEST_IDS_PER_QUERY = 100;

/**
 * The stack's log groups through CloudWatch Logs Insights: the trace query (the one the stack
 * saves, lambdas/shared/log-keys.ts), then one for the platform.report lines of the
 * invocations found. A query that does not finish in time is stopped and what it found so far
 * is returned as partial.
 */
export class InsightsLogSource extends CloudWatchLogSource {
  protected readonly chunk = REQUEST_IDS_PER_QUERY;

  constructor(
    client: CloudWatchLogsClient,
    names: LogGroups,
    private readonly options: InsightsOptions,
  ) {
    super(client, names);
  }

  get description(): string {
    return `${this.names.size} log groups (CloudWatch Logs Insights)`;
  }

  protected linesAbout(id: string, sinceMs: number): Promise<ReadResult> {
    return this.query(orderTraceQuery(id), sinceMs);
  }

  protected linesOfInvocations(requestIds: string[], sinceMs: number): Promise<ReadResult> {
    return this.query(invocationsQuery(requestIds), sinceMs);
  }

  private async query(queryString: string, sinceMs: number): Promise<ReadResult> {
    const now = this.options.now ?? Date.now;
    const started = now();
    const { queryId } = await this.client.send(
      new StartQueryCommand({
        logGroupNames: [...this.names.keys()],
        startTime: Math.floor(sinceMs / 1000),
        endTime: Math.ceil(started / 1000),
        queryString,
        limit: TRACE_QUERY_LIMIT,
      }),
    );
    if (!queryId) throw new CliError('CloudWatch Logs did not start the query (no query ID)');
    const pollMs = this.options.pollMs ?? 1_000;
    for (;;) {
      const answer = await this.client.send(new GetQueryResultsCommand({ queryId }));
      const status = answer.status ?? 'Unknown';
      if (status === 'Complete') return { lines: linesOf(answer) };
      if (status === 'Timeout') {
        return { lines: linesOf(answer), partial: 'Logs Insights timed the query out' };
      }
      if (status === 'Failed' || status === 'Cancelled' || status === 'Unknown') {
        throw new CliError(`the Logs Insights query ${queryId} ended ${status}`);
      }
      const waited = now() - started;
      if (waited >= this.options.timeoutMs) {
        await this.client.send(new StopQueryCommand({ queryId })).catch(() => undefined);
        return {
          lines: linesOf(answer),
          partial: `the Logs Insights query did not finish within ${Math.round(this.options.timeoutMs / 1000)} s (stopped)`,
        };
      }
      const scanned = answer.statistics?.recordsScanned;
      this.options.progress?.(
        `Logs Insights: ${status}, ${Math.round(waited / 1000)} s${scanned === undefined ? '' : `, ${Math.round(scanned).toLocaleString('en')} records scanned`}`,
      );
      await sleep(pollMs);
    }
  }
}

/** The query of the lines of these invocations (their platform.report and runtime lines). */
export function invocationsQuery(requestIds: readonly string[]): string {
  const list = requestIds.map((r) => JSON.stringify(r)).join(', ');
  return [
    'fields @timestamp, @log, @message',
    `filter record.requestId in [${list}] or requestId in [${list}]`,
    'sort @timestamp asc',
    `limit ${TRACE_QUERY_LIMIT}`,
  ].join('\n| ');
}

/** Insights rows as raw lines: `@log` is `<account>:<log group>`. */
function linesOf(answer: GetQueryResultsCommandOutput): RawLogLine[] {
  return (answer.results ?? []).flatMap((row) => {
    const field = (name: string) => row.find((f) => f.field === name)?.value;
    const text = field('@message');
    if (text === undefined) return [];
    const group = field('@log') ?? '';
    const stamp = field('@timestamp');
    const timestamp = stamp ? Date.parse(`${stamp.replace(' ', 'T')}Z`) : Number.NaN;
    return [
      {
        text: text.trimEnd(),
        source: group.slice(group.indexOf(':') + 1),
        ...(Number.isNaN(timestamp) ? {} : { timestamp }),
      },
    ];
  });
}

/** Pages of FilterLogEvents read per log group and pattern at most. */
const MAX_PAGES = 50;
/** Request IDs per filter pattern (a pattern is at most 1,024 characters). */
const REQUEST_IDS_PER_PATTERN = 8;

/**
 * The stack's log groups through FilterLogEvents with JSON filter patterns, one group at a
 * time: the lines that name the ID, then the lines of the invocations found.
 */
export class FilterLogEventsSource extends CloudWatchLogSource {
  protected readonly chunk = REQUEST_IDS_PER_PATTERN;

  get description(): string {
    return `${this.names.size} log groups (CloudWatch Logs FilterLogEvents)`;
  }

  protected linesAbout(id: string, sinceMs: number): Promise<ReadResult> {
    return this.filter(
      `{ ($.${LOG_KEYS.correlationId} = "${id}") || ($.${LOG_KEYS.orderId} = "${id}") }`,
      sinceMs,
    );
  }

  protected linesOfInvocations(requestIds: string[], sinceMs: number): Promise<ReadResult> {
    const terms = requestIds.map((r) => `($.record.requestId = "${r}") || ($.requestId = "${r}")`);
    return this.filter(`{ ${terms.join(' || ')} }`, sinceMs);
  }

  private async filter(filterPattern: string, sinceMs: number): Promise<ReadResult> {
    const lines: RawLogLine[] = [];
    let partial: string | undefined;
    for (const logGroupName of this.names.keys()) {
      let pages = 0;
      for await (const page of paginateFilterLogEvents(
        { client: this.client },
        { logGroupName, filterPattern, startTime: sinceMs },
      )) {
        for (const event of page.events ?? []) {
          if (event.message === undefined) continue;
          lines.push({
            text: event.message.trimEnd(),
            source: logGroupName,
            ...(event.timestamp === undefined ? {} : { timestamp: event.timestamp }),
          });
        }
        if (++pages >= MAX_PAGES && page.nextToken) {
          partial = `FilterLogEvents read ${MAX_PAGES} pages of a log group and stopped`;
          break;
        }
      }
    }
    return partial ? { lines, partial } : { lines };
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
