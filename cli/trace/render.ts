/** The readable form of a trace: the timeline with its hops, then the hops and the events. */
import type { OrderEvent } from '../api.js';
import { table } from '../output.js';
import type { Hop, Timeline, TraceEntry } from './timeline.js';

/** What is known of one order of the trace besides its lines. */
export interface OrderFacts {
  readonly orderId: string;
  readonly status?: string;
  readonly reason?: string;
  /** The shipment the order shows, once the order service heard of it. */
  readonly shipment?: { readonly status: string; readonly reason?: string };
  readonly events?: OrderEvent[];
  /** Why the status or events are missing. */
  readonly unavailable?: string;
}

const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const DIM = '\x1b[90m';
const RESET = '\x1b[0m';

/** `HH:MM:SS.mmm` in UTC. */
function clockUtc(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** The one-character mark that makes errors, warnings and retries stand out. */
function markOf(entry: TraceEntry): string {
  if (entry.error) return '✗';
  if (entry.retry) return '↻';
  if (entry.level === 'WARN') return '!';
  return ' ';
}

const FUNCTION_WIDTH = 12;
/** Detail fields shown after the message at most: the plain values, not the IDs. */
const MAX_SHOWN_DETAILS = 3;

/** ` key=value` of a few plain values the line carried (eventType, attempt, …). */
function detailText(entry: TraceEntry): string {
  if (entry.kind !== 'log') return '';
  const shown = Object.entries(entry.detail)
    .filter(
      ([key, value]) => !/id$/i.test(key) && ['string', 'number', 'boolean'].includes(typeof value),
    )
    .slice(0, MAX_SHOWN_DETAILS)
    .map(([key, value]) => ` ${key}=${String(value).slice(0, 60)}`);
  return shown.join('');
}

/** One timeline row: mark, time, +ms, function, level, message. */
export function entryLine(entry: TraceEntry, color = false): string {
  const text = `${markOf(entry)} ${clockUtc(entry.time)}  ${String(entry.offsetMs).padStart(6)}  ${entry.function.padEnd(FUNCTION_WIDTH)}  ${entry.level.padEnd(5)}  ${entry.message}${detailText(entry)}`;
  if (!color) return text;
  if (entry.error) return `${RED}${text}${RESET}`;
  if (entry.level === 'WARN' || entry.retry) return `${YELLOW}${text}${RESET}`;
  if (entry.kind !== 'log') return `${DIM}${text}${RESET}`;
  return text;
}

/** The row that shows a hop, under the entry it leaves. */
export function hopLine(hop: Hop, color = false): string {
  const text = `${' '.repeat(23)}↓ ${hop.ms} ms  ${hop.from} → ${hop.to}`;
  return color ? `${DIM}${text}${RESET}` : text;
}

export function timelineHeader(): string {
  return `  ${'time (UTC)'.padEnd(12)}  ${'+ms'.padStart(6)}  ${'function'.padEnd(FUNCTION_WIDTH)}  level  message`;
}

/** `<id> CONFIRMED`, `<id> FAILED (OUT_OF_STOCK)`, `<id> CONFIRMED shipment REQUESTED`. */
function stateOf(order: OrderFacts): string {
  const reason = order.reason ? ` (${order.reason})` : '';
  const { shipment } = order;
  const shipped = shipment
    ? ` shipment ${shipment.status}${shipment.reason ? ` (${shipment.reason})` : ''}`
    : '';
  return `${order.orderId} ${order.status ?? '?'}${reason}${shipped}`;
}

/** What the trace is of, in two lines. */
export function summaryLines(timeline: Timeline, orders: readonly OrderFacts[]): string[] {
  const { counts } = timeline;
  const span = timeline.entries.at(-1)?.offsetMs ?? 0;
  const states = orders.map(stateOf).join(', ');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    `trace of ${timeline.id}: ${states || timeline.orderIds.join(', ') || 'no order'}${
      timeline.correlationIds.length > 0
        ? `  correlation ${timeline.correlationIds.join(', ')}`
        : ''
    }`,
    `${plural(counts.lines, 'line')} from ${plural(timeline.functions.length, 'function')} in ${plural(counts.invocations, 'invocation')} over ${span} ms · ${plural(counts.errors, 'error')} · ${plural(counts.warnings, 'warning')} · ${plural(counts.retries, 'retry line')}`,
  ];
}

/** The whole readable trace. */
export function renderTrace(
  timeline: Timeline,
  orders: readonly OrderFacts[],
  color = false,
): string[] {
  const hopsAt = new Map(timeline.hops.map((hop) => [hop.index, hop]));
  const lines = [...summaryLines(timeline, orders), '', timelineHeader()];
  timeline.entries.forEach((entry, i) => {
    const hop = hopsAt.get(i);
    if (hop) lines.push(hopLine(hop, color));
    lines.push(entryLine(entry, color));
  });
  return [...lines, ...afterTimeline(timeline, orders)];
}

/** What follows the timeline: the hops, then each order's events. */
export function afterTimeline(timeline: Timeline, orders: readonly OrderFacts[]): string[] {
  return [...hopsSection(timeline.hops), ...eventsSection(timeline, orders)];
}

function hopsSection(hops: readonly Hop[]): string[] {
  if (hops.length === 0) return [];
  return [
    '',
    'hops between functions',
    ...table(
      hops.map((hop) => ({ from: hop.from, to: hop.to, ms: hop.ms })),
      ['from', 'to', 'ms'],
    ).map((line) => `  ${line}`),
  ];
}

function eventsSection(timeline: Timeline, orders: readonly OrderFacts[]): string[] {
  const t0 = timeline.entries[0]?.time ?? 0;
  return orders.flatMap((order) => {
    const head = `events of ${order.orderId} (GET /orders/${order.orderId}/events)`;
    if (!order.events) return ['', head, `  ${order.unavailable ?? 'not read'}`];
    return [
      '',
      head,
      ...table(
        order.events.map((event) => {
          const time = Date.parse(event.time);
          return { time: clockUtc(time), '+ms': time - t0, type: event.type, source: event.source };
        }),
        ['time', '+ms', 'type', 'source'],
      ).map((line) => `  ${line}`),
    ];
  });
}
