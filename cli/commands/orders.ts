/** `order`, `orders get` and `payments list`: placing an order, following it, reading it. */
import { randomUUID } from 'node:crypto';
import { OrdersApi, type OrderView } from '../api.js';
import { parseOrderLines, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { hasSettled, shipsOrders } from '../order-state.js';
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
 * `order <sku>=<qty>…`: places the order, then follows it until it has settled (FAILED,
 * CANCELLED, or CONFIRMED with its shipment requested: all exit 0) or the time runs out
 * (exit 1).
 */
export async function placeOrder(
  ctx: CommandContext,
  args: string[],
  options: OrderOptions,
): Promise<number> {
  const items = parseOrderLines(args);
  const target = ctx.target();
  const api = new OrdersApi(target.apiUrl);
  const key = options.key ?? randomUUID();
  const started = Date.now();
  const elapsed = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`;

  const placed = await api.placeOrder(items, key, options.correlationId);
  if (!ctx.json) {
    ctx.io.out(
      `accepted  order ${placed.orderId}  key ${key}  correlation ${placed.correlationId}${placed.replayed ? '  (replayed: this key was used before)' : ''}`,
    );
  }
  const history: { status: string; shipment?: string; at: string }[] = [];
  const followed = await followOrder(
    () => api.getOrder(placed.orderId),
    {
      ships: shipsOrders(target.outputs),
      deadline: started + options.timeoutSeconds * 1000,
      pollIntervalMs: options.pollIntervalMs,
    },
    (step, order) => {
      const shipment = step.label === 'SHIPPING' ? order.shipment?.status : undefined;
      history.push({ status: order.status, ...(shipment ? { shipment } : {}), at: nowIso() });
      if (!ctx.json) ctx.io.out(`${step.label.padEnd(9)} ${elapsed()}${step.note}`);
    },
  );
  if (!followed.settled) {
    throw new CliError(
      `order ${placed.orderId} is still ${stateText(followed.order)} after ${options.timeoutSeconds}s (see it later with: mini-ec orders get ${placed.orderId})`,
    );
  }
  if (ctx.json) {
    ctx.io.out(
      JSON.stringify(
        { ...followed.order, idempotencyKey: key, replayed: placed.replayed, history },
        null,
        2,
      ),
    );
  }
  return 0;
}

/** One step of an order's progress as `order` prints it: PENDING, CONFIRMED, SHIPPING, … */
interface OrderStep {
  /** Tells steps apart: a shipment that failed is another step than one requested. */
  key: string;
  label: string;
  note: string;
}

/** The steps one reading of the order shows, in the order they happened. */
function stepsOf(order: OrderView): OrderStep[] {
  const steps: OrderStep[] = [{ key: order.status, label: order.status, note: outcomeNote(order) }];
  if (order.status === 'CONFIRMED' && order.shipment) {
    const { status, reason } = order.shipment;
    steps.push({
      key: `SHIPPING ${status}`,
      label: 'SHIPPING',
      note:
        status === 'REQUESTED'
          ? '  shipment requested'
          : `  shipment failed: ${reason ?? 'unknown'} (refund and release under way)`,
    });
  }
  return steps;
}

/** How `order` follows an order: whether it ships, until when, how often. */
interface FollowOptions {
  /** The target runs the shipping service (see ../order-state.ts). */
  ships: boolean;
  /** Epoch ms after which it stops following. */
  deadline: number;
  pollIntervalMs: number;
}

/**
 * Reads the order until it has settled or the deadline passed, telling each step once (a
 * reading can show two: CONFIRMED and its shipment). Returns the last reading.
 */
async function followOrder(
  read: () => Promise<OrderView>,
  options: FollowOptions,
  onStep: (step: OrderStep, order: OrderView) => void,
): Promise<{ order: OrderView; settled: boolean }> {
  const told = new Set<string>();
  for (;;) {
    const order = await read();
    for (const step of stepsOf(order).filter((s) => !told.has(s.key))) {
      told.add(step.key);
      onStep(step, order);
    }
    if (hasSettled(order, options.ships)) return { order, settled: true };
    if (Date.now() >= options.deadline) return { order, settled: false };
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
  }
}

function outcomeNote(order: OrderView): string {
  if (order.status === 'CONFIRMED') return `  total ${order.total} ${order.currency}`;
  if (order.status === 'FAILED' || order.status === 'CANCELLED')
    return `  reason ${order.reason ?? 'unknown'}`;
  return '';
}

/** Where an order that has not settled stands, for the timeout's message. */
function stateText(order: OrderView): string {
  if (order.status !== 'CONFIRMED') return order.status;
  return order.shipment?.status === 'FAILED'
    ? 'CONFIRMED, its shipment FAILED and its refund and release under way'
    : 'CONFIRMED, its shipment not requested yet';
}

const nowIso = () => new Date().toISOString();

function describeOrder(order: OrderView): string[] {
  return [
    ...fields({
      orderId: order.orderId,
      status: order.status,
      reason: order.reason,
      shipment: order.shipment
        ? `${order.shipment.status}${order.shipment.reason ? ` (${order.shipment.reason})` : ''}`
        : undefined,
      total: `${order.total} ${order.currency}`,
      correlationId: order.correlationId,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
    }).filter((line) => !/^(reason|shipment)\s+-$/.test(line)),
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
