/**
 * The commands: each validates its arguments, calls one adapter, and prints. Argument
 * parsing helpers are exported for tests.
 */
import { randomUUID } from 'node:crypto';
import { ORDER_LINE_LIMITS } from '../lambdas/shared/commands.js';
import { type OrderLineInput, OrdersApi, type OrderView } from './api.js';
import { CliError, UsageError } from './errors.js';
import { emit, fields, type Io, table } from './output.js';
import { DeadLetters } from './queues/dead-letters.js';
import { StreamFailures } from './queues/stream-failures.js';
import { Stores } from './stores.js';
import type { Target } from './target.js';

/** What every command gets. */
export interface CommandContext {
  io: Io;
  json: boolean;
  /** Resolves the target on first use (so `--help` and argument errors need none). */
  target: () => Target;
}

const { maxItems: MAX_ITEMS, maxQty: MAX_QTY, sku: SKU } = ORDER_LINE_LIMITS;

/** A sku as the API accepts it. */
export function parseSku(value: string | undefined): string {
  if (value === undefined) throw new UsageError('a sku is required');
  if (!SKU.test(value)) {
    throw new UsageError(`sku "${value}" must be 1–64 characters of A–Z a–z 0–9 . _ -`);
  }
  return value;
}

/** A non-negative safe integer option or argument. */
export function parseCount(name: string, value: string | undefined, max?: number): number {
  if (value === undefined) throw new UsageError(`${name} is required`);
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || (max !== undefined && n > max)) {
    const range = max === undefined ? 'an integer ≥ 0' : `an integer in 0..${max}`;
    throw new UsageError(`${name} must be ${range}, got "${value}"`);
  }
  return n;
}

/** `sku=qty` arguments of `order`: 1–50 distinct skus, qty 1–1000. */
export function parseOrderLines(args: string[]): OrderLineInput[] {
  if (args.length === 0) throw new UsageError('order needs at least one sku=qty');
  if (args.length > MAX_ITEMS) throw new UsageError(`an order has at most ${MAX_ITEMS} items`);
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = /^([^=]+)=(.+)$/.exec(arg);
    if (!match) throw new UsageError(`"${arg}" is not sku=qty`);
    const sku = parseSku(match[1]);
    const qty = parseCount(`qty of ${sku}`, match[2], MAX_QTY);
    if (qty < 1) throw new UsageError(`qty of ${sku} must be at least 1`);
    if (seen.has(sku))
      throw new UsageError(`sku ${sku} appears twice; give it once with the total qty`);
    seen.add(sku);
    return { sku, qty };
  });
}

/** Duration option in seconds (`30`, `2.5`). */
export function parseSeconds(name: string, value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds <= 0) {
    throw new UsageError(`${name} must be a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

/** `stock set <sku> <qty> --price <n>`. */
export async function stockSet(
  ctx: CommandContext,
  args: string[],
  options: { price?: string },
): Promise<number> {
  const [skuArg, qtyArg, ...extra] = args;
  rejectExtra(extra);
  const sku = parseSku(skuArg);
  const qty = parseCount('qty', qtyArg);
  if (options.price === undefined) throw new UsageError('stock set needs --price <n>');
  const price = parseCount('--price', options.price);
  const stores = new Stores(ctx.target());
  try {
    const stock = await stores.setStock(sku, qty, price);
    emit(ctx.io, ctx.json, stock, () =>
      table([{ ...stock }], ['sku', 'price', 'available', 'reserved']),
    );
  } finally {
    stores.close();
  }
  return 0;
}

/** `stock get <sku>`. */
export async function stockGet(ctx: CommandContext, args: string[]): Promise<number> {
  const [skuArg, ...extra] = args;
  rejectExtra(extra);
  const sku = parseSku(skuArg);
  const stores = new Stores(ctx.target());
  try {
    const stock = await stores.getStock(sku);
    if (!stock)
      throw new CliError(
        `unknown sku ${sku} (set it with: mini-ec stock set ${sku} <qty> --price <n>)`,
      );
    emit(ctx.io, ctx.json, stock, () =>
      table([{ ...stock }], ['sku', 'price', 'available', 'reserved']),
    );
  } finally {
    stores.close();
  }
  return 0;
}

/** `payments list --order <id>`. */
export async function paymentsList(
  ctx: CommandContext,
  args: string[],
  options: { order?: string },
): Promise<number> {
  rejectExtra(args);
  if (!options.order) throw new UsageError('payments list needs --order <id>');
  const stores = new Stores(ctx.target());
  try {
    const payments = await stores.listPayments(options.order);
    emit(ctx.io, ctx.json, payments, () =>
      payments.length === 0
        ? [`no payment for order ${options.order}`]
        : table(
            payments.map((p) => ({ ...p })),
            ['paymentId', 'amount', 'currency', 'status', 'updatedAt'],
          ),
    );
  } finally {
    stores.close();
  }
  return 0;
}

/** `orders get <id>`. */
export async function ordersGet(ctx: CommandContext, args: string[]): Promise<number> {
  const [orderId, ...extra] = args;
  rejectExtra(extra);
  if (!orderId) throw new UsageError('orders get needs an order id');
  const order = await new OrdersApi(ctx.target().apiUrl).getOrder(orderId);
  emit(ctx.io, ctx.json, order, () => describeOrder(order));
  return 0;
}

/** Which DLQs a dlq command works on. */
export function parseQueueOption(
  value: string | undefined,
  allowAll: boolean,
): ('orders' | 'relay')[] {
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
        `relay DLQ (stream records the relay could not send): ${peeked.approximateCount} record(s)`,
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
 * orders queue; the relay DLQ's stream ranges replayed to it (or, with --from-table, the
 * events of the orders still PENDING).
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
          : `replayed ${done.moved} stream range(s) from the relay DLQ: ${done.eventsSent} event(s) sent to the orders queue`,
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

/** Options of `order`. */
export interface OrderOptions {
  key?: string;
  correlationId?: string;
  timeoutSeconds: number;
  pollIntervalMs: number;
}

/**
 * `order <sku>=<qty>…`: places the order, then follows it until it is CONFIRMED or FAILED
 * (both exit 0: the order converged) or the time runs out (exit 1).
 */
export async function placeOrder(
  ctx: CommandContext,
  args: string[],
  options: OrderOptions,
): Promise<number> {
  const items = parseOrderLines(args);
  const api = new OrdersApi(ctx.target().apiUrl);
  const key = options.key ?? randomUUID();
  const started = Date.now();
  const elapsed = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`;

  const placed = await api.placeOrder(items, key, options.correlationId);
  if (!ctx.json) {
    ctx.io.out(
      `accepted  order ${placed.orderId}  key ${key}  correlation ${placed.correlationId}${placed.replayed ? '  (replayed: this key was used before)' : ''}`,
    );
  }
  const history: { status: string; at: string }[] = [];
  let last: OrderView | undefined;
  const deadline = started + options.timeoutSeconds * 1000;
  for (;;) {
    const order = await api.getOrder(placed.orderId);
    if (order.status !== last?.status) {
      history.push({ status: order.status, at: new Date().toISOString() });
      if (!ctx.json) ctx.io.out(`${order.status.padEnd(9)} ${elapsed()}${outcomeNote(order)}`);
    }
    last = order;
    if (order.status === 'CONFIRMED' || order.status === 'FAILED') break;
    if (Date.now() >= deadline) {
      throw new CliError(
        `order ${placed.orderId} is still ${order.status} after ${options.timeoutSeconds}s (see it later with: mini-ec orders get ${placed.orderId})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
  }
  if (ctx.json) {
    ctx.io.out(
      JSON.stringify({ ...last, idempotencyKey: key, replayed: placed.replayed, history }, null, 2),
    );
  }
  return 0;
}

function outcomeNote(order: OrderView): string {
  if (order.status === 'CONFIRMED') return `  total ${order.total} ${order.currency}`;
  if (order.status === 'FAILED') return `  reason ${order.reason ?? 'unknown'}`;
  return '';
}

function describeOrder(order: OrderView): string[] {
  return [
    ...fields({
      orderId: order.orderId,
      status: order.status,
      reason: order.reason,
      total: `${order.total} ${order.currency}`,
      correlationId: order.correlationId,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
    }).filter((line) => !/^reason\s+-$/.test(line)),
    '',
    ...table(
      order.items.map((item) => ({ ...item })),
      ['sku', 'qty', 'price'],
    ),
  ];
}

function rejectExtra(extra: string[]): void {
  if (extra.length > 0)
    throw new UsageError(`unexpected argument ${extra.map((a) => `"${a}"`).join(' ')}`);
}
