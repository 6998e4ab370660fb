/**
 * `mini-ec trace <orderId | correlationId>`: everything that happened to an order, across all
 * functions, in time order, with the hops between functions and the order's CloudEvents.
 * Locally from the local cloud's log files; on a deployed stack from its functions' log groups
 * (every `<Function>LogGroupName` output: api, outbox-relay, worker, inventory, payment,
 * shipping).
 */
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CORRELATION_ID_PATTERN } from '../../lambdas/shared/log-keys.js';
import { OrdersApi } from '../api.js';
import { parseDuration, parseSeconds, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { CliError, callAws, EXIT, UsageError } from '../errors.js';
import { hasSettled, shipsOrders } from '../order-state.js';
import { processIo } from '../output.js';
import {
  DEFAULT_CLOUD_FILE,
  perFunctionOutputs,
  type StackOutputs,
  type Target,
} from '../target.js';
import {
  afterTimeline,
  entryLine,
  hopLine,
  type OrderFacts,
  renderTrace,
  summaryLines,
  timelineHeader,
} from './render.js';
import {
  FilterLogEventsSource,
  InsightsLogSource,
  LocalLogFiles,
  type LogSource,
  type ReadResult,
} from './sources.js';
import { buildTimeline, type Timeline, type TraceEntry } from './timeline.js';

export interface TraceOptions {
  follow?: boolean;
  since?: string;
  timeout?: string;
  /** false with --no-insights: FilterLogEvents instead of a Logs Insights query. */
  insights?: boolean;
  /** --cloud, for the log folder when its local cloud is not running. */
  cloud?: string;
  /** --stack-outputs: a deployed stack is the target (no fallback to local log files). */
  stackOutputs?: string;
  /** Tests: how long --follow waits between reads (else the source's interval). */
  followIntervalMs?: number;
}

const DEFAULT_SINCE = '24h';
const QUERY_TIMEOUT_S = 30;
const FOLLOW_TIMEOUT_S = 120;
/** Orders of one correlation ID whose status and events are read at most. */
const MAX_ORDERS = 10;

export async function traceCommand(
  ctx: CommandContext,
  args: string[],
  options: TraceOptions,
): Promise<number> {
  const [id, ...extra] = args;
  if (id === undefined) throw new UsageError('trace needs an order ID or a correlation ID');
  rejectExtra(extra);
  if (!CORRELATION_ID_PATTERN.test(id)) {
    throw new UsageError(`"${id}" is not an order or correlation ID ([A-Za-z0-9._:-], 1–128)`);
  }
  const sinceMs = Date.now() - parseDuration('--since', options.since ?? DEFAULT_SINCE);
  const timeoutS =
    options.timeout === undefined
      ? options.follow
        ? FOLLOW_TIMEOUT_S
        : QUERY_TIMEOUT_S
      : parseSeconds('--timeout', options.timeout);
  const { source, api, note } = openSource(ctx, options, timeoutS);
  if (note) ctx.io.err(`mini-ec: ${note}`);
  return options.follow
    ? follow(ctx, id, sinceMs, timeoutS, source, api, options.followIntervalMs)
    : once(ctx, id, sinceMs, source, api?.api);
}

/** The target's API, and whether its orders ship (then a CONFIRMED order goes on). */
interface TargetApi {
  api: OrdersApi;
  ships: boolean;
}

/** The log store of the target, and its API (none when the local cloud is not running). */
function openSource(
  ctx: CommandContext,
  options: TraceOptions,
  timeoutS: number,
): { source: LogSource; api?: TargetApi; note?: string } {
  let target: Target;
  try {
    target = ctx.target();
  } catch (error) {
    // The local cloud stopped: its log files are still there (a stack has no such fallback).
    if (!(error instanceof CliError) || error.exitCode !== EXIT.usage || options.stackOutputs) {
      throw error;
    }
    const dir = path.join(path.dirname(options.cloud ?? DEFAULT_CLOUD_FILE), 'logs');
    return {
      source: new LocalLogFiles(dir),
      note: "the local cloud is not running: reading its log files, without the orders' events",
    };
  }
  const api = { api: new OrdersApi(target.apiUrl), ships: shipsOrders(target.outputs) };
  if (target.logs) {
    return {
      source: new LocalLogFiles(
        target.logs.dir,
        new Map(Object.entries(target.logs.functionNames)),
      ),
      api,
    };
  }
  const groups = logGroupsOf(target.outputs);
  const client = new CloudWatchLogsClient({ region: target.region, maxAttempts: 3 });
  const source =
    options.insights === false
      ? new FilterLogEventsSource(client, groups)
      : new InsightsLogSource(client, groups, {
          timeoutMs: timeoutS * 1000,
          progress: ctx.json ? undefined : (m) => ctx.io.err(m),
        });
  return { source, api };
}

/** The stack's function log groups (outputs `<Function>LogGroupName`) → the function's name. */
export function logGroupsOf(outputs: StackOutputs): Map<string, string> {
  const groups = new Map(
    [...perFunctionOutputs(outputs, 'LogGroupName')].map(([fn, group]) => [group, fn]),
  );
  if (groups.size === 0) {
    throw new CliError(
      'the stack outputs name no log groups (<Function>LogGroupName): deploy the current stack',
      EXIT.usage,
    );
  }
  return groups;
}

async function read(source: LogSource, id: string, sinceMs: number): Promise<ReadResult> {
  return callAws(`reading ${source.description}`, () => source.read(id, sinceMs));
}

async function once(
  ctx: CommandContext,
  id: string,
  sinceMs: number,
  source: LogSource,
  api: OrdersApi | undefined,
): Promise<number> {
  const result = await read(source, id, sinceMs);
  if (result.partial)
    ctx.io.err(`mini-ec: warning: ${result.partial}: the trace may be incomplete`);
  const timeline = buildTimeline(result.lines, id, source.names);
  if (timeline.entries.length === 0) throw notFound(id, source);
  const orders = await factsOf(timeline, api);
  if (ctx.json) ctx.io.out(JSON.stringify(jsonOf(timeline, orders, result.partial), null, 2));
  else for (const line of renderTrace(timeline, orders, useColor(ctx))) ctx.io.out(line);
  return EXIT.ok;
}

/**
 * Prints the lines as they arrive until every order of the trace has settled (FAILED,
 * CANCELLED, or CONFIRMED with its shipment requested; see ../order-state.ts) and one read
 * after, for the lines that follow the final write; or until the time runs out (exit 1).
 */
async function follow(
  ctx: CommandContext,
  id: string,
  sinceMs: number,
  timeoutS: number,
  source: LogSource,
  api: TargetApi | undefined,
  intervalMs = source.followIntervalMs,
): Promise<number> {
  const deadline = Date.now() + timeoutS * 1000;
  const printed = new Set<string>();
  const color = useColor(ctx);
  let timeline: Timeline | undefined;
  let settled = false;
  for (;;) {
    const result = await read(source, id, sinceMs);
    timeline = buildTimeline(result.lines, id, source.names);
    if (printed.size === 0 && timeline.entries.length > 0 && !ctx.json) {
      ctx.io.out(timelineHeader());
    }
    const hopsAt = new Map(timeline.hops.map((hop) => [hop.index, hop]));
    timeline.entries.forEach((entry, i) => {
      const key = keyOf(entry);
      if (printed.has(key)) return;
      printed.add(key);
      if (ctx.json) {
        ctx.io.out(JSON.stringify(entry));
        return;
      }
      const hop = hopsAt.get(i);
      if (hop) ctx.io.out(hopLine(hop, color));
      ctx.io.out(entryLine(entry, color));
    });
    if (settled) break;
    const final = timeline.orderIds.length > 0 && api ? await allSettled(timeline, api) : false;
    if (final) settled = true;
    else if (Date.now() >= deadline) {
      if (timeline.entries.length === 0) throw notFound(id, source);
      throw new CliError(
        api
          ? `the order has not settled after ${timeoutS} s (follow it again with mini-ec trace ${id} --follow)`
          : `stopped after ${timeoutS} s: without the local cloud's API the order's end cannot be seen`,
      );
    }
    await sleep(intervalMs);
  }
  const orders = await factsOf(timeline, api?.api);
  if (ctx.json) ctx.io.out(JSON.stringify({ ...jsonOf(timeline, orders), entries: undefined }));
  else {
    // The timeline is printed already: the summary, the hops and the events follow it.
    const lines = ['', ...summaryLines(timeline, orders), ...afterTimeline(timeline, orders)];
    for (const line of lines) ctx.io.out(line);
  }
  return EXIT.ok;
}

const keyOf = (e: TraceEntry) => `${e.time}|${e.function}|${e.kind}|${e.requestId}|${e.message}`;

async function allSettled(timeline: Timeline, { api, ships }: TargetApi): Promise<boolean> {
  const orders = await Promise.all(
    timeline.orderIds
      .slice(0, MAX_ORDERS)
      .map((orderId) => api.getOrder(orderId).catch(() => undefined)),
  );
  return orders.every((order) => order !== undefined && hasSettled(order, ships));
}

/** Each order's status and events from the API, or why they could not be read. */
async function factsOf(timeline: Timeline, api: OrdersApi | undefined): Promise<OrderFacts[]> {
  return Promise.all(
    timeline.orderIds.slice(0, MAX_ORDERS).map(async (orderId): Promise<OrderFacts> => {
      if (!api) return { orderId, unavailable: 'not read: the local cloud is not running' };
      try {
        const [order, events] = await Promise.all([api.getOrder(orderId), api.getEvents(orderId)]);
        return {
          orderId,
          status: order.status,
          ...(order.reason ? { reason: order.reason } : {}),
          ...(order.shipment ? { shipment: order.shipment } : {}),
          events,
        };
      } catch (error) {
        return { orderId, unavailable: `not read: ${(error as Error).message}` };
      }
    }),
  );
}

function jsonOf(timeline: Timeline, orders: OrderFacts[], partial?: string) {
  return { ...timeline, orders, ...(partial ? { partial } : {}) };
}

function notFound(id: string, source: LogSource): CliError {
  return new CliError(`no log line mentions ${id} in ${source.description}`);
}

function useColor(ctx: CommandContext): boolean {
  return ctx.io === processIo && process.stdout.isTTY === true && !process.env.NO_COLOR;
}
