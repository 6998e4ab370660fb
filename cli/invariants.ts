/**
 * The saga's invariants over the items of the orders, inventory and payments tables, free of
 * I/O: each violation names its invariant, its subject and what was found; the counts say
 * what was looked at. `mini-ec verify` (./verify.ts) reads the tables and calls check(). Over
 * 300 lines: each check states its violation in words the operator reads.
 */
import { ItemKind } from '../lambdas/shared/keys.js';

/** What to check beyond the tables themselves. */
export interface VerifyOptions {
  /** Order ids the API accepted (202): each must exist. */
  acceptedOrderIds?: readonly string[];
  /** An order PENDING longer than this many seconds is a violation (default 900). */
  maxPendingSeconds?: number;
  now?: Date;
}

/** One broken invariant. */
interface Violation {
  invariant: string;
  subject: string;
  detail: string;
}

/** What `verify` found. */
export interface VerifyReport {
  counts: Record<string, number>;
  violations: Violation[];
}

/** The invariants, in the order they are checked (and documented in the README). */
export const INVARIANTS = {
  acceptedMissing: 'accepted order exists',
  pendingTooLong: 'no order PENDING too long',
  stockLedger: 'ledger sums to the stock put in',
  stockEquation: 'stock put in = available + held + sold',
  stockReserved: 'reserved = held + sold',
  stockNegative: 'available ≥ 0',
  confirmedCharge: 'CONFIRMED: one charge equal to its total',
  confirmedReservation: 'CONFIRMED: one reservation of its items',
  failedHoldsStock: 'FAILED: holds no stock',
  failedCharged: 'FAILED: no unrefunded charge',
  orphanPayment: 'no charge without an order',
  orphanReservation: 'no reservation without an order',
  missingEvent: 'each status has its event',
} as const;

export type Item = Record<string, unknown>;
interface Line {
  sku: string;
  qty: number;
}

const DEFAULT_MAX_PENDING_SECONDS = 900;

/** The invariants over already-read items (pure; exported for tests). */
export function check(
  orderItems: readonly Item[],
  inventoryItems: readonly Item[],
  paymentItems: readonly Item[],
  options: VerifyOptions = {},
): VerifyReport {
  const findings = new Findings();
  const tables = indexTables(orderItems, inventoryItems, paymentItems, findings);
  checkOrders(tables, options, findings);
  checkPayments(tables, findings);
  const holdings = checkReservations(tables, findings);
  checkSkus(tables, holdings, findings);
  findings.counts.violations = findings.violations.length;
  return { counts: findings.counts, violations: findings.violations };
}

/** The counts and violations found so far. */
class Findings {
  readonly counts: Record<string, number> = {};
  readonly violations: Violation[] = [];

  count(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by;
  }

  violate(invariant: keyof typeof INVARIANTS, subject: string, detail: string): void {
    this.violations.push({ invariant: INVARIANTS[invariant], subject, detail });
  }
}

/** The three tables' items, by what they are about. */
interface Tables {
  readonly orders: Map<string, Item>;
  /** Event types by order id. */
  readonly events: Map<string, Set<string>>;
  readonly reservations: Map<string, Item>;
  readonly stocks: Map<string, Item>;
  /** Sum of the ledger's deltas by sku. */
  readonly ledger: Map<string, number>;
  readonly payments: Map<string, Item>;
}

function indexTables(
  orderItems: readonly Item[],
  inventoryItems: readonly Item[],
  paymentItems: readonly Item[],
  findings: Findings,
): Tables {
  const tables: Tables = {
    orders: new Map(),
    events: new Map(),
    reservations: new Map(),
    stocks: new Map(),
    ledger: new Map(),
    payments: new Map(),
  };
  for (const item of orderItems) {
    if (item.kind === ItemKind.order) tables.orders.set(String(item.orderId), item);
    if (item.kind === ItemKind.event) {
      const id = String(item.orderId);
      const types = tables.events.get(id) ?? new Set<string>();
      tables.events.set(id, types);
      types.add(String(item.type));
      findings.count('events');
    }
  }
  for (const item of inventoryItems) {
    if (item.kind === ItemKind.reservation) tables.reservations.set(String(item.orderId), item);
    if (item.kind === ItemKind.stock) tables.stocks.set(String(item.sku), item);
    if (item.kind === ItemKind.stockLedger) {
      const sku = String(item.sku);
      tables.ledger.set(sku, (tables.ledger.get(sku) ?? 0) + num(item.delta));
      findings.count('ledger entries');
    }
  }
  for (const item of paymentItems) {
    if (item.kind === ItemKind.payment) tables.payments.set(String(item.orderId), item);
  }
  return tables;
}

/** Orders: existence, age, their charge and reservation, their events. */
function checkOrders(tables: Tables, options: VerifyOptions, findings: Findings): void {
  const { orders, events, reservations, payments } = tables;
  const violate = findings.violate.bind(findings);
  for (const id of options.acceptedOrderIds ?? []) {
    if (!orders.has(id))
      violate('acceptedMissing', `order ${id}`, 'accepted (202) but not in the orders table');
  }
  const now = (options.now ?? new Date()).getTime();
  const maxPendingMs = (options.maxPendingSeconds ?? DEFAULT_MAX_PENDING_SECONDS) * 1000;
  for (const [id, order] of orders) {
    const status = String(order.status);
    findings.count(
      status === 'FAILED' ? `orders FAILED/${String(order.reason)}` : `orders ${status}`,
    );
    const subject = `order ${id}`;
    const reservation = reservations.get(id);
    const payment = payments.get(id);
    const has = (type: string) => events.get(id)?.has(type) === true;
    if (!has('order.placed.v1')) violate('missingEvent', subject, 'no order.placed.v1 event');
    if (status === 'PENDING') {
      const age = now - Date.parse(String(order.createdAt));
      if (Number.isNaN(age)) {
        // Without a creation time its age is unknown: it could be stuck forever unnoticed.
        violate('pendingTooLong', subject, `PENDING with createdAt ${String(order.createdAt)}`);
      } else if (age > maxPendingMs) {
        violate(
          'pendingTooLong',
          subject,
          `PENDING for ${Math.round(age / 1000)} s (bound ${maxPendingMs / 1000} s)`,
        );
      }
    } else if (status === 'CONFIRMED') {
      if (!has('order.confirmed.v1'))
        violate('missingEvent', subject, 'CONFIRMED without order.confirmed.v1');
      checkConfirmed(subject, order, payment, reservation, findings);
    } else if (status === 'FAILED') {
      if (!has('order.failed.v1'))
        violate('missingEvent', subject, 'FAILED without order.failed.v1');
      if (reservation?.status === 'RESERVED') {
        violate('failedHoldsStock', subject, `holds ${lineKey(linesOf(reservation.items))}`);
      }
      if (payment?.status === 'CHARGED') {
        violate('failedCharged', subject, `charged ${String(payment.amount)} and not refunded`);
      }
    }
  }
}

/** A CONFIRMED order: charged its total, its items reserved. */
function checkConfirmed(
  subject: string,
  order: Item,
  payment: Item | undefined,
  reservation: Item | undefined,
  findings: Findings,
): void {
  if (payment?.status !== 'CHARGED') {
    findings.violate(
      'confirmedCharge',
      subject,
      `payment is ${String(payment?.status ?? 'missing')}, not CHARGED`,
    );
  } else if (num(payment.amount) !== num(order.total) || payment.currency !== order.currency) {
    findings.violate(
      'confirmedCharge',
      subject,
      `charged ${String(payment.amount)} ${String(payment.currency)}, total ${String(order.total)} ${String(order.currency)}`,
    );
  }
  if (reservation?.status !== 'RESERVED') {
    findings.violate(
      'confirmedReservation',
      subject,
      `reservation is ${String(reservation?.status ?? 'missing')}, not RESERVED`,
    );
  } else if (lineKey(linesOf(reservation.items)) !== lineKey(linesOf(order.items))) {
    findings.violate(
      'confirmedReservation',
      subject,
      `reserved ${lineKey(linesOf(reservation.items))}, ordered ${lineKey(linesOf(order.items))}`,
    );
  }
}

/** Charges that belong to no order. */
function checkPayments({ orders, payments }: Tables, findings: Findings): void {
  for (const [id, payment] of payments) {
    findings.count(`payments ${String(payment.status)}`);
    const moved = payment.status === 'CHARGED' || payment.status === 'REFUNDED';
    if (moved && !orders.has(id))
      findings.violate(
        'orphanPayment',
        `payment of ${id}`,
        `${String(payment.status)} ${String(payment.amount)} without an order`,
      );
  }
}

/** What RESERVED reservations take, by sku: held (PENDING), sold (CONFIRMED), stuck. */
interface Holdings {
  readonly held: Map<string, number>;
  readonly sold: Map<string, number>;
  /**
   * Taken by a FAILED order or by no order: a violation of its own, but the stock is still
   * accounted for, so the equation only reports stock created or lost.
   */
  readonly stuck: Map<string, number>;
}

/** Reservations that belong to no order, and what the reservations hold. */
function checkReservations({ orders, reservations }: Tables, findings: Findings): Holdings {
  const holdings: Holdings = { held: new Map(), sold: new Map(), stuck: new Map() };
  for (const [id, reservation] of reservations) {
    findings.count(`reservations ${String(reservation.status)}`);
    if (reservation.status !== 'RESERVED') continue;
    const order = orders.get(id);
    if (!order) {
      findings.violate(
        'orphanReservation',
        `reservation of ${id}`,
        `RESERVED ${lineKey(linesOf(reservation.items))} without an order`,
      );
    }
    const into = intoBucket(order, holdings);
    if (!into) continue; // a status no saga writes: left out, so the equation reports it
    for (const line of linesOf(reservation.items))
      into.set(line.sku, (into.get(line.sku) ?? 0) + line.qty);
  }
  return holdings;
}

/** Per sku: the ledger and the stock equation. */
function checkSkus(
  { stocks, ledger }: Tables,
  { held, sold, stuck }: Holdings,
  findings: Findings,
): void {
  const skus = new Set([
    ...stocks.keys(),
    ...ledger.keys(),
    ...held.keys(),
    ...sold.keys(),
    ...stuck.keys(),
  ]);
  findings.count('skus', skus.size);
  for (const sku of skus) {
    const stock = stocks.get(sku);
    const subject = `sku ${sku}`;
    const stockedIn = num(stock?.stockedIn);
    const available = num(stock?.available);
    const reserved = num(stock?.reserved);
    const h = held.get(sku) ?? 0;
    const s = sold.get(sku) ?? 0;
    const x = stuck.get(sku) ?? 0;
    const stuckText = x === 0 ? '' : ` + stuck ${x}`;
    if ((ledger.get(sku) ?? 0) !== stockedIn) {
      findings.violate(
        'stockLedger',
        subject,
        `ledger sums to ${ledger.get(sku) ?? 0}, stockedIn is ${stockedIn}`,
      );
    }
    if (stockedIn !== available + h + s + x) {
      findings.violate(
        'stockEquation',
        subject,
        `stocked in ${stockedIn} ≠ available ${available} + held ${h} + sold ${s}${stuckText}`,
      );
    }
    if (reserved !== h + s + x) {
      findings.violate(
        'stockReserved',
        subject,
        `reserved ${reserved} ≠ held ${h} + sold ${s}${stuckText}`,
      );
    }
    if (available < 0) findings.violate('stockNegative', subject, `available ${available}`);
  }
}

/** Where a RESERVED reservation's stock counts: by its order's status (no order: stuck). */
function intoBucket<T>(
  order: Item | undefined,
  buckets: { held: T; sold: T; stuck: T },
): T | undefined {
  if (!order || order.status === 'FAILED') return buckets.stuck;
  if (order.status === 'PENDING') return buckets.held;
  if (order.status === 'CONFIRMED') return buckets.sold;
  return undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function linesOf(items: unknown): Line[] {
  if (!Array.isArray(items)) return [];
  return items.map((line) => ({ sku: String((line as Item).sku), qty: num((line as Item).qty) }));
}

/** Lines as comparable text: merged per sku, sorted. */
function lineKey(lines: readonly Line[]): string {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.qty);
  return (
    [...merged.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sku, qty]) => `${sku}×${qty}`)
      .join(' ') || 'nothing'
  );
}
