/** `dlq list` and `dlq redrive`: what waits in the DLQs, and bringing it back. */
import { parseCount, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { emit, table } from '../output.js';
import {
  DEAD_LETTER_QUEUES,
  type DeadLetterQueue,
  DeadLetters,
  missingOutputs,
} from '../queues/dead-letters.js';
import { StreamFailures } from '../queues/stream-failures.js';
import type { Target } from '../target.js';

/** Every DLQ a dlq command can name: the functions' queues' DLQs, then the relay's. */
type Dlq = DeadLetterQueue | 'relay';
const QUEUE_DLQS = Object.keys(DEAD_LETTER_QUEUES) as DeadLetterQueue[];
const ALL: readonly Dlq[] = [...QUEUE_DLQS, 'relay'];

/** Which DLQs a dlq command works on (`all`, the default of `dlq list`, only where allowed). */
function parseQueueOption(value: string | undefined, allowAll: boolean): Dlq[] {
  if (value === undefined) return allowAll ? [...ALL] : ['orders'];
  if ((ALL as readonly string[]).includes(value)) return [value as Dlq];
  if (value === 'all' && allowAll) return [...ALL];
  const names = allowAll ? [...ALL, 'all'] : ALL;
  throw new UsageError(
    `--queue must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got "${value}"`,
  );
}

/** What one DLQ's listing gives: its JSON, and its lines. */
interface Listing {
  json: unknown;
  lines: string[];
}

/**
 * `dlq list [--queue orders|shipping|payment|inventory|relay|all] [--max N]`: what waits in
 * each DLQ, readably. Listing them all, a DLQ the target does not have (a stack deployed
 * before it) is said to be missing; named, it is an error.
 */
export async function dlqList(
  ctx: CommandContext,
  args: string[],
  options: { queue?: string; max?: string },
): Promise<number> {
  rejectExtra(args);
  const queues = parseQueueOption(options.queue, true);
  const max = options.max === undefined ? 10 : parseCount('--max', options.max, 1000);
  const everyOne = queues.length > 1;
  const result: Record<string, unknown> = {};
  const lines: string[] = [];
  for (const queue of queues) {
    const missing = queue === 'relay' ? [] : missingOutputs(ctx.target(), queue);
    if (everyOne && missing.length > 0) {
      lines.push(`${queue} DLQ: not in this target (no output ${missing.join(', ')})`);
      continue;
    }
    const listing =
      queue === 'relay'
        ? await listRelay(ctx.target(), max)
        : await listQueue(ctx.target(), queue, max);
    result[queue] = listing.json;
    lines.push(...listing.lines);
  }
  emit(ctx.io, ctx.json, result, () => lines);
  return 0;
}

/** The columns of a DLQ's messages: the worker's attempts only where it records them. */
function columnsOf(queue: DeadLetterQueue): string[] {
  const attempts = DEAD_LETTER_QUEUES[queue].attemptsOnOrder ? ['failedAttempts', 'lastError'] : [];
  return [
    'orderId',
    'eventType',
    'orderStatus',
    'correlationId',
    'receiveCount',
    ...attempts,
    'sentAt',
  ];
}

async function listQueue(target: Target, queue: DeadLetterQueue, max: number): Promise<Listing> {
  const dlq = new DeadLetters(target, queue);
  try {
    const peeked = await dlq.peek(max);
    const lines = [`${queue} DLQ: ${peeked.approximateCount} message(s)`];
    if (peeked.messages.length > 0) {
      const rows = peeked.messages.map((m) => ({
        ...m,
        lastError: m.lastError?.slice(0, 100) ?? null,
      }));
      lines.push(...table(rows, columnsOf(queue)).map((line) => `  ${line}`));
    }
    return { json: peeked, lines };
  } finally {
    dlq.close();
  }
}

async function listRelay(target: Target, max: number): Promise<Listing> {
  const relay = new StreamFailures(target);
  try {
    const peeked = await relay.peek(max);
    const lines = [
      `relay DLQ (stream records the relay could not publish): ${peeked.approximateCount} record(s)`,
    ];
    if (peeked.records.length > 0) {
      const rows = peeked.records.map((r) => ({
        ...r,
        sequence: `${r.startSequenceNumber ?? '?'}…${r.endSequenceNumber ?? '?'}`,
      }));
      const columns = [
        'shardId',
        'sequence',
        'batchSize',
        'firstRecordAt',
        'condition',
        'functionError',
        'receiveCount',
      ];
      lines.push(...table(rows, columns).map((line) => `  ${line}`));
    }
    return { json: peeked, lines };
  } finally {
    relay.close();
  }
}

/**
 * `dlq redrive [--queue orders|shipping|payment|inventory|relay] [--max N] [--from-table]`: a
 * function's DLQ back to its queue (the orders DLQ by default); the relay DLQ's stream ranges
 * published again to the events topic (or, with --from-table, every outbox event of the
 * orders not settled, from every service's table).
 */
export async function dlqRedrive(
  ctx: CommandContext,
  args: string[],
  options: { queue?: string; max?: string; 'from-table'?: boolean },
): Promise<number> {
  rejectExtra(args);
  const [queue = 'orders'] = parseQueueOption(options.queue, false);
  if (queue === 'relay') {
    if (options.max !== undefined)
      throw new UsageError('--max applies to the DLQs of the functions only');
    return replayRelay(ctx, options['from-table'] === true);
  }
  if (options['from-table']) throw new UsageError('--from-table applies to --queue relay only');
  const max = options.max === undefined ? undefined : parseCount('--max', options.max);
  const dlq = new DeadLetters(ctx.target(), queue);
  try {
    const done = await dlq.redrive(max);
    emit(ctx.io, ctx.json, done, () => [
      done.method === 'message-move-task'
        ? `started an SQS message-move task from the ${queue} DLQ to the ${queue} queue (handle ${done.taskHandle}); dlq list shows what is left`
        : `moved ${done.moved} message(s) from the ${queue} DLQ to the ${queue} queue (receive-and-send)`,
    ]);
  } finally {
    dlq.close();
  }
  return 0;
}

async function replayRelay(ctx: CommandContext, fromTable: boolean): Promise<number> {
  const relay = new StreamFailures(ctx.target());
  try {
    const done = await relay.replay({ fromTable });
    emit(ctx.io, ctx.json, done, () => [
      done.method === 'from-table'
        ? `republished ${done.eventsSent} outbox event(s) of the orders not settled; removed ${done.moved} record(s) from the relay DLQ`
        : `replayed ${done.moved} stream range(s) from the relay DLQ: ${done.eventsSent} event(s) published to the events topic`,
    ]);
  } finally {
    relay.close();
  }
  return 0;
}
