/**
 * An order's trace from raw log lines, wherever they were read (the local cloud's log files,
 * CloudWatch Logs): the lines about the order, the bounds of the invocations that wrote them
 * (from their `platform.report` lines), in time order, with the hops between functions.
 * Pure: no I/O. Over 300 lines: the selection of lines, the invocation bounds and the hop rule
 * are one model, read together.
 */
import { LOG_KEYS } from '../../lambdas/shared/log-keys.js';

/** A line as a log store gave it. */
export interface RawLogLine {
  readonly text: string;
  /** Where it was read: the log file's function (logical id) or the log group. */
  readonly source: string;
  /** When the store received it (epoch ms), for a line without a time of its own. */
  readonly timestamp?: number;
}

/** START and END bound an invocation (from its platform.report); the rest are its lines. */
type EntryKind = 'start' | 'log' | 'end';

/** One row of the timeline. */
export interface TraceEntry {
  /** Epoch ms. */
  readonly time: number;
  /** Ms since the first entry. */
  readonly offsetMs: number;
  readonly function: string;
  readonly kind: EntryKind;
  /** The line's level (INFO, WARN, ERROR, …); START or END for an invocation's bounds. */
  readonly level: string;
  readonly message: string;
  readonly requestId?: string;
  readonly orderId?: string;
  readonly correlationId?: string;
  /** An error line, or an invocation that ended in error or timeout. */
  readonly error: boolean;
  /** A line of a repeated attempt (a redelivery, a retried step). */
  readonly retry: boolean;
  /** What the line carried besides the fields above. */
  readonly detail: Record<string, unknown>;
}

/** Time from one function's last entry to the next function's first. */
export interface Hop {
  readonly from: string;
  readonly to: string;
  readonly ms: number;
  /** Index in `entries` of the entry the hop arrives at. */
  readonly index: number;
}

export interface Timeline {
  /** The ID asked for (an order ID or a correlation ID). */
  readonly id: string;
  readonly orderIds: string[];
  readonly correlationIds: string[];
  readonly entries: TraceEntry[];
  readonly hops: Hop[];
  /** Functions in the order they first appear. */
  readonly functions: string[];
  readonly counts: {
    readonly lines: number;
    readonly invocations: number;
    readonly errors: number;
    readonly warnings: number;
    readonly retries: number;
  };
}

type Json = Record<string, unknown>;

interface Parsed {
  readonly raw: RawLogLine;
  readonly json: Json;
}

const REPORT_TYPE = 'platform.report';
/** Keys shown as columns, not repeated in `detail`. */
const SHOWN = new Set([
  'level',
  'message',
  'timestamp',
  'time',
  'service',
  LOG_KEYS.correlationId,
  LOG_KEYS.orderId,
  'function_request_id',
  'requestId',
]);
/** Keys every Powertools line carries that say nothing about the order. */
const NOISE = new Set([
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'sampling_rate',
  'xray_trace_id',
]);
const RETRY_WORDS = /\bretr(y|ying|ied|ies)\b/i;

function parse(raw: RawLogLine): Parsed | undefined {
  if (!raw.text.startsWith('{')) return undefined;
  try {
    const json: unknown = JSON.parse(raw.text);
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? { raw, json: json as Json }
      : undefined;
  } catch {
    return undefined;
  }
}

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const requestIdOf = (json: Json) => str(json.function_request_id) ?? str(json.requestId);
const reportOf = (json: Json) =>
  json.type === REPORT_TYPE && typeof json.record === 'object' && json.record !== null
    ? (json.record as {
        requestId?: unknown;
        status?: unknown;
        metrics?: { durationMs?: unknown; billedDurationMs?: unknown; initDurationMs?: unknown };
      })
    : undefined;

function timeOf(parsed: Parsed): number {
  const text = str(parsed.json.timestamp) ?? str(parsed.json.time);
  const time = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(time) ? (parsed.raw.timestamp ?? 0) : time;
}

/**
 * The request IDs of the invocations that wrote lines about `id`: what a store that cannot
 * scan everything (CloudWatch) is asked for next, to bound those invocations.
 */
export function requestIdsAbout(lines: readonly RawLogLine[], id: string): string[] {
  return [...requestIdsOf(linesNaming(lines, id))];
}

/**
 * The lines whose correlation ID or order ID is `id`. Cheap substring tests first: a bench
 * leaves megabytes of lines about other orders.
 */
function linesNaming(lines: readonly RawLogLine[], id: string): Parsed[] {
  const named: Parsed[] = [];
  for (const line of lines) {
    if (!line.text.includes(id)) continue;
    const parsed = parse(line);
    const json = parsed?.json;
    if (json && (json[LOG_KEYS.correlationId] === id || json[LOG_KEYS.orderId] === id)) {
      named.push(parsed);
    }
  }
  return named;
}

function requestIdsOf(parsed: readonly Parsed[]): Set<string> {
  return new Set(parsed.map((p) => requestIdOf(p.json)).filter((r) => r !== undefined));
}

/**
 * The timeline of `id` (an order ID or a correlation ID) from `lines`: every line that names
 * it; the lines of the same invocations that name no order (the runtime's own, a line before
 * the order had an ID); and each such invocation's START and END from its platform.report.
 * `names` turns a line's source into the function's name (else its `service`, else the source).
 */
export function buildTimeline(
  lines: readonly RawLogLine[],
  id: string,
  names: ReadonlyMap<string, string> = new Map(),
): Timeline {
  const matched = linesNaming(lines, id);
  const requestIds = requestIdsOf(matched);
  const correlations = new Set(
    matched.map((p) => str(p.json[LOG_KEYS.correlationId])).filter((c) => c !== undefined),
  );
  const companions: Parsed[] = [];
  const reports: Parsed[] = [];
  if (requestIds.size > 0) {
    const seen = new Set(matched.map((p) => p.raw));
    for (const line of lines) {
      if (seen.has(line) || ![...requestIds].some((r) => line.text.includes(r))) continue;
      const parsed = parse(line);
      if (!parsed) continue;
      const report = reportOf(parsed.json);
      if (report) {
        if (requestIds.has(String(report.requestId))) reports.push(parsed);
        continue;
      }
      const requestId = requestIdOf(parsed.json);
      const correlation = str(parsed.json[LOG_KEYS.correlationId]);
      const orderId = str(parsed.json[LOG_KEYS.orderId]);
      // A line of one of these invocations about no other order (a batch serves several).
      if (
        requestId &&
        requestIds.has(requestId) &&
        orderId === undefined &&
        (correlation === undefined || correlations.has(correlation))
      ) {
        companions.push(parsed);
      }
    }
  }

  const serviceOf = new Map<string, string>();
  for (const p of [...matched, ...companions]) {
    const service = str(p.json.service);
    if (service && !serviceOf.has(p.raw.source)) serviceOf.set(p.raw.source, service);
  }
  const functionOf = (p: Parsed) =>
    names.get(p.raw.source) ?? str(p.json.service) ?? serviceOf.get(p.raw.source) ?? p.raw.source;

  const rows: Omit<TraceEntry, 'offsetMs'>[] = [
    ...[...matched, ...companions].map((p) => logEntry(p, functionOf(p))),
    ...reports.flatMap((p) => invocationBounds(p, functionOf(p))),
  ];
  const order: Record<EntryKind, number> = { start: 0, log: 1, end: 2 };
  // Stable: lines of one millisecond keep the order they were written in.
  rows.sort((a, b) => a.time - b.time || order[a.kind] - order[b.kind]);
  const t0 = rows[0]?.time ?? 0;
  const entries = rows.map((row) => ({ ...row, offsetMs: row.time - t0 }));

  const hops = hopsOf(entries);
  const logs = entries.filter((e) => e.kind === 'log');
  return {
    id,
    orderIds: distinct(entries.map((e) => e.orderId)),
    correlationIds: distinct(entries.map((e) => e.correlationId)),
    entries,
    hops,
    functions: distinct(entries.map((e) => e.function)),
    counts: {
      lines: logs.length,
      invocations: reports.length,
      errors: entries.filter((e) => e.error).length,
      warnings: logs.filter((e) => e.level === 'WARN').length,
      retries: logs.filter((e) => e.retry).length,
    },
  };
}

function logEntry(p: Parsed, fn: string): Omit<TraceEntry, 'offsetMs'> {
  const { json } = p;
  const level = String(json.level ?? 'INFO').toUpperCase();
  const message =
    typeof json.message === 'string' ? json.message : JSON.stringify(json.message ?? '');
  const error = json.error as { message?: unknown } | undefined;
  const detail = Object.fromEntries(
    Object.entries(json).filter(([key]) => !SHOWN.has(key) && !NOISE.has(key)),
  );
  const attempt = Number(json.attempt);
  const requestId = requestIdOf(json);
  const orderId = str(json[LOG_KEYS.orderId]);
  const correlationId = str(json[LOG_KEYS.correlationId]);
  return {
    time: timeOf(p),
    function: fn,
    kind: 'log',
    level,
    message: error?.message ? `${message} (${String(error.message)})` : message,
    ...(requestId ? { requestId } : {}),
    ...(orderId ? { orderId } : {}),
    ...(correlationId ? { correlationId } : {}),
    error: level === 'ERROR' || level === 'CRITICAL' || level === 'FATAL',
    retry: attempt > 1 || RETRY_WORDS.test(message),
    detail,
  };
}

/** START and END of the invocation a platform.report describes. */
function invocationBounds(p: Parsed, fn: string): Omit<TraceEntry, 'offsetMs'>[] {
  const record = reportOf(p.json) ?? {};
  const metrics = record.metrics ?? {};
  const duration = Number(metrics.durationMs) || 0;
  const billed = Number(metrics.billedDurationMs) || 0;
  const init = Number(metrics.initDurationMs) || 0;
  const status = String(record.status ?? 'success');
  const end = timeOf(p);
  const requestId = String(record.requestId);
  const detail = {
    durationMs: duration,
    billedDurationMs: billed,
    status,
    ...(init ? { initDurationMs: init } : {}),
  };
  return [
    {
      time: end - Math.round(duration),
      function: fn,
      kind: 'start',
      level: 'START',
      message: init ? `invocation (cold start, init ${Math.round(init)} ms)` : 'invocation',
      requestId,
      error: false,
      retry: false,
      detail,
    },
    {
      time: end,
      function: fn,
      kind: 'end',
      level: 'END',
      message: `${status === 'success' ? '' : `${status}: `}${duration.toFixed(1)} ms (billed ${billed} ms)`,
      requestId,
      error: status !== 'success',
      retry: false,
      detail,
    },
  ];
}

/** One invocation's span on the timeline: its entries' indexes, first to last. */
interface Span {
  readonly function: string;
  readonly first: number;
  readonly last: number;
}

/**
 * The hops between invocations: into each invocation (but the first) from the one that
 * caused it, and back out of a call the caller waited for. Its cause is the invocation of
 * another function still running when it starts (the worker that invokes inventory, the relay
 * whose send the worker received before the relay logged it), else the one that ended last
 * before it (the api's write the relay reads from the stream): the hop is measured from that
 * one's last entry before the start. A call that ends while its caller runs hops back to the
 * caller's next entry (inventory → worker).
 */
function hopsOf(entries: readonly TraceEntry[]): Hop[] {
  const spans = new Map<string, { function: string; first: number; last: number }>();
  entries.forEach((entry, i) => {
    if (!entry.requestId) return;
    const span = spans.get(entry.requestId);
    if (span) span.last = i;
    else spans.set(entry.requestId, { function: entry.function, first: i, last: i });
  });
  const ordered: Span[] = [...spans.values()].sort((a, b) => a.first - b.first);
  const time = (i: number) => entries[i]?.time ?? 0;
  const hops: Hop[] = [];
  ordered.forEach((span, n) => {
    const others = ordered.slice(0, n).filter((o) => o.function !== span.function);
    const running = others.filter((o) => o.last > span.first);
    const cause = running.at(-1) ?? others.sort((a, b) => a.last - b.last).at(-1);
    if (!cause) return;
    // The cause's last entry before this one starts.
    let from = cause.first;
    for (let i = cause.first; i < span.first; i++) {
      if (entries[i]?.requestId === entries[cause.first]?.requestId) from = i;
    }
    hops.push({
      from: cause.function,
      to: span.function,
      ms: time(span.first) - time(from),
      index: span.first,
    });
    if (cause.last > span.last) {
      const back = entries.findIndex(
        (e, i) => i > span.last && e.requestId === entries[cause.first]?.requestId,
      );
      if (back >= 0) {
        hops.push({
          from: span.function,
          to: cause.function,
          ms: time(back) - time(span.last),
          index: back,
        });
      }
    }
  });
  return hops.sort((a, b) => a.index - b.index);
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}
