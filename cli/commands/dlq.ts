/** `dlq list` and `dlq redrive`: what waits in the DLQs, and bringing it back. */
import { parseCount, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { emit, table } from '../output.js';
import { DeadLetters } from '../queues/dead-letters.js';
import { StreamFailures } from '../queues/stream-failures.js';

/** Which DLQs a dlq command works on. */
function parseQueueOption(value: string | undefined, allowAll: boolean): ('orders' | 'relay')[] {
  if (value === undefined) return allowAll ? ['orders', 'relay'] : ['orders'];
  if (value === 'orders' || value === 'relay') return [value];
  if (value === 'all' && allowAll) return ['orders', 'relay'];
  throw new UsageError(
    `--queue must be orders${allowAll ? ', relay or all' : ' or relay'}, got "${value}"`,
  );
}

/** `dlq list [--queue orders|relay|all] [--max N]`: what waits in each DLQ, readably. */
export async function dlqList(
  ctx: CommandContext,
  args: string[],
  options: { queue?: string; max?: string },
): Promise<number> {
  rejectExtra(args);
  const queues = parseQueueOption(options.queue, true);
  const max = options.max === undefined ? 10 : parseCount('--max', options.max, 1000);
  const result: Record<string, unknown> = {};
  const lines: string[] = [];
  if (queues.includes('orders')) {
    const dlq = new DeadLetters(ctx.target());
    try {
      const peeked = await dlq.peek(max);
      result.orders = peeked;
      lines.push(`orders DLQ: ${peeked.approximateCount} message(s)`);
      if (peeked.messages.length > 0) {
        lines.push(
          ...table(
            peeked.messages.map((m) => ({ ...m, lastError: m.lastError?.slice(0, 100) ?? null })),
            [
              'orderId',
              'eventType',
              'orderStatus',
              'correlationId',
              'receiveCount',
              'failedAttempts',
              'lastError',
              'sentAt',
            ],
          ).map((line) => `  ${line}`),
        );
      }
    } finally {
      dlq.close();
    }
  }
  if (queues.includes('relay')) {
    const relay = new StreamFailures(ctx.target());
    try {
      const peeked = await relay.peek(max);
      result.relay = peeked;
      lines.push(
        `relay DLQ (stream records the relay could not publish): ${peeked.approximateCount} record(s)`,
      );
      if (peeked.records.length > 0) {
        lines.push(
          ...table(
            peeked.records.map((r) => ({
              ...r,
              sequence: `${r.startSequenceNumber ?? '?'}…${r.endSequenceNumber ?? '?'}`,
            })),
            [
              'shardId',
              'sequence',
              'batchSize',
              'firstRecordAt',
              'condition',
              'functionError',
              'receiveCount',
            ],
          ).map((line) => `  ${line}`),
        );
      }
    } finally {
      relay.close();
    }
  }
  emit(ctx.io, ctx.json, result, () => lines);
  return 0;
}

/**
 * `dlq redrive [--queue orders|relay] [--max N] [--from-table]`: the orders DLQ back to the
 * orders queue; the relay DLQ's stream ranges published again to the events topic (or, with
 * --from-table, the order.placed.v1 events of the orders still PENDING).
 */
export async function dlqRedrive(
  ctx: CommandContext,
  args: string[],
  options: { queue?: string; max?: string; 'from-table'?: boolean },
): Promise<number> {
  rejectExtra(args);
  const [queue] = parseQueueOption(options.queue, false);
  if (queue === 'relay') {
    if (options.max !== undefined) throw new UsageError('--max applies to the orders DLQ only');
    const relay = new StreamFailures(ctx.target());
    try {
      const done = await relay.replay({ fromTable: options['from-table'] === true });
      emit(ctx.io, ctx.json, done, () => [
        done.method === 'from-table'
          ? `republished ${done.eventsSent} order.placed.v1 event(s) of PENDING orders; removed ${done.moved} record(s) from the relay DLQ`
          : `replayed ${done.moved} stream range(s) from the relay DLQ: ${done.eventsSent} event(s) published to the events topic`,
      ]);
    } finally {
      relay.close();
    }
    return 0;
  }
  if (options['from-table']) throw new UsageError('--from-table applies to --queue relay only');
  const max = options.max === undefined ? undefined : parseCount('--max', options.max);
  const dlq = new DeadLetters(ctx.target());
  try {
    const done = await dlq.redrive(max);
    emit(ctx.io, ctx.json, done, () => [
      done.method === 'message-move-task'
        ? `started an SQS message-move task from the orders DLQ to the orders queue (handle ${done.taskHandle}); dlq list shows what is left`
        : `moved ${done.moved} message(s) from the orders DLQ to the orders queue (receive-and-send)`,
    ]);
  } finally {
    dlq.close();
  }
  return 0;
}
