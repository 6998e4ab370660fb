/** `order`, `orders get` and `payments list`: placing an order, following it, reading it. */
import { randomUUID } from 'node:crypto';
import { OrdersApi, type OrderView } from '../api.js';
import { parseOrderLines, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { emit, fields, table } from '../output.js';
import { Stores } from '../stores.js';

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

/** `orders get <id>`. */
export async function ordersGet(ctx: CommandContext, args: string[]): Promise<number> {
  const [orderId, ...extra] = args;
  rejectExtra(extra);
  if (!orderId) throw new UsageError('orders get needs an order id');
  const order = await new OrdersApi(ctx.target().apiUrl).getOrder(orderId);
  emit(ctx.io, ctx.json, order, () => describeOrder(order));
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
