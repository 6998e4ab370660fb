/**
 * The saga's invariants over the items of the orders, inventory, payments and shipments
 * tables, free of I/O: each violation names its invariant, its subject and what was found;
 * the counts say what was looked at. `mini-ec verify` (./verify.ts) reads the tables and calls
 * check(). Over 300 lines: each check states its violation in words the operator reads, and
 * each order status has its own short check.
 */
import { ItemKind } from '../lambdas/shared/keys.js';

/** What to check beyond the tables themselves. */
export interface VerifyOptions {
  /** Order ids the API accepted (202): each must exist. */
  acceptedOrderIds?: readonly string[];
  /**
   * An order PENDING longer than this many seconds is a violation (default 900); so is a
   * CONFIRMED order that has no shipment this long after it was confirmed, or whose shipment
   * failed this long ago (its compensation should have cancelled it by then).
   */
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
  /** What could not be checked, and why (a target without the shipments table, …). */
  notChecked?: string[];
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
  confirmedShipment: 'CONFIRMED: one shipment of its items, REQUESTED, once settled',
  failedHoldsStock: 'FAILED: holds no stock',
  failedCharged: 'FAILED: no unrefunded charge',
  failedShipped: 'FAILED: no shipment',
  cancelledHoldsStock: 'CANCELLED: holds no stock (reservation RELEASED)',
  cancelledCharged: 'CANCELLED: no net charge (payment REFUNDED or VOIDED)',
  cancelledShipment: 'CANCELLED: its shipment FAILED',
  orphanPayment: 'no charge without an order',
  orphanReservation: 'no reservation without an order',
  orphanShipment: 'no shipment without a CONFIRMED or CANCELLED order',
  missingEvent: 'each status has its event',
} as const;

export type Item = Record<string, unknown>;
interface Line {
  sku: string;
  qty: number;
}

const DEFAULT_MAX_PENDING_SECONDS = 900;
/** The event a finished order's status is written with. */
const STATUS_EVENTS: Record<string, string> = {
  CONFIRMED: 'order.confirmed.v1',
  FAILED: 'order.failed.v1',
  CANCELLED: 'order.cancelled.v1',
};

/**
 * The invariants over already-read items (pure; exported for tests). `shipmentItems`
 * undefined: the target has no shipments table, and the shipment invariants are not checked.
 */
export function check(
  orderItems: readonly Item[],
  inventoryItems: readonly Item[],
  paymentItems: readonly Item[],
  options: VerifyOptions = {},
  shipmentItems?: readonly Item[],
): VerifyReport {
  const findings = new Findings();
  const tables = indexTables(orderItems, inventoryItems, paymentItems, shipmentItems, findings);
  checkOrders(tables, options, findings);
  checkPayments(tables, findings);
  checkShipments(tables, findings);
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

/** The tables' items, by what they are about. */
interface Tables {
  readonly orders: Map<string, Item>;
  /** Each order's timeline (its own events and the facts it heard): type → time. */
  readonly timelines: Map<string, Map<string, unknown>>;
  readonly reservations: Map<string, Item>;
  readonly stocks: Map<string, Item>;
  /** Sum of the ledger's deltas by sku. */
  readonly ledger: Map<string, number>;
  readonly payments: Map<string, Item>;
  /** Shipments by order id (a list: more than one is a violation); undefined: not checked. */
  readonly shipments?: Map<string, Item[]>;
}

function indexTables(
  orderItems: readonly Item[],
  inventoryItems: readonly Item[],
  paymentItems: readonly Item[],
  shipmentItems: readonly Item[] | undefined,
  findings: Findings,
): Tables {
  const payments = new Map<string, Item>();
  for (const item of paymentItems) {
    if (item.kind === ItemKind.payment) payments.set(String(item.orderId), item);
  }
  return {
    ...indexOrders(orderItems, findings),
    ...indexInventory(inventoryItems, findings),
    payments,
    ...(shipmentItems ? { shipments: indexShipments(shipmentItems) } : {}),
  };
}

function indexOrders(items: readonly Item[], findings: Findings) {
  const orders = new Map<string, Item>();
  const timelines = new Map<string, Map<string, unknown>>();
  for (const item of items) {
    if (item.kind === ItemKind.order) orders.set(String(item.orderId), item);
    if (item.kind !== ItemKind.event && item.kind !== ItemKind.fact) continue;
    const id = String(item.orderId);
    const timeline = timelines.get(id) ?? new Map<string, unknown>();
    timelines.set(id, timeline);
    timeline.set(String(item.type), item.time);
    findings.count(item.kind === ItemKind.event ? 'events' : 'facts');
  }
  return { orders, timelines };
}

function indexInventory(items: readonly Item[], findings: Findings) {
  const reservations = new Map<string, Item>();
  const stocks = new Map<string, Item>();
  const ledger = new Map<string, number>();
  for (const item of items) {
    if (item.kind === ItemKind.reservation) reservations.set(String(item.orderId), item);
    if (item.kind === ItemKind.stock) stocks.set(String(item.sku), item);
    if (item.kind === ItemKind.stockLedger) {
      const sku = String(item.sku);
      ledger.set(sku, (ledger.get(sku) ?? 0) + num(item.delta));
      findings.count('ledger entries');
    }
  }
  return { reservations, stocks, ledger };
}

function indexShipments(items: readonly Item[]): Map<string, Item[]> {
  const shipments = new Map<string, Item[]>();
  for (const item of items) {
    if (item.kind !== ItemKind.shipment) continue;
    const id = String(item.orderId);
    shipments.set(id, [...(shipments.get(id) ?? []), item]);
  }
  return shipments;
}

/** One order with what the other tables hold of it. */
interface OrderInTables {
  readonly subject: string;
  readonly order: Item;
  readonly reservation: Item | undefined;
  readonly payment: Item | undefined;
  /** Its shipments; undefined when shipments are not checked. */
  readonly shipments: Item[] | undefined;
  /** When the order's timeline got this event type (undefined: it has no such event). */
  readonly timeline: ReadonlyMap<string, unknown>;
}

/** Now, and how long an order may take to settle. */
interface Clock {
  readonly now: number;
  readonly maxPendingMs: number;
}

/** Each status's own invariants (a status no saga writes has none: the stock equation tells). */
const STATUS_CHECKS: Record<string, (o: OrderInTables, clock: Clock, f: Findings) => void> = {
  PENDING: checkPending,
  CONFIRMED: checkConfirmed,
  FAILED: checkFailed,
  CANCELLED: checkCancelled,
};

/** Orders: existence, then each order's events and its status's invariants. */
function checkOrders(tables: Tables, options: VerifyOptions, findings: Findings): void {
  for (const id of options.acceptedOrderIds ?? []) {
    if (!tables.orders.has(id))
      findings.violate(
        'acceptedMissing',
        `order ${id}`,
        'accepted (202) but not in the orders table',
      );
  }
  const clock: Clock = {
    now: (options.now ?? new Date()).getTime(),
    maxPendingMs: (options.maxPendingSeconds ?? DEFAULT_MAX_PENDING_SECONDS) * 1000,
  };
  for (const [id, order] of tables.orders) {
    const status = String(order.status);
    const finished = status === 'FAILED' || status === 'CANCELLED';
    findings.count(finished ? `orders ${status}/${String(order.reason)}` : `orders ${status}`);
    const o: OrderInTables = {
      subject: `order ${id}`,
      order,
      reservation: tables.reservations.get(id),
      payment: tables.payments.get(id),
      shipments: tables.shipments && (tables.shipments.get(id) ?? []),
      timeline: tables.timelines.get(id) ?? new Map(),
    };
    checkEvents(o, status, findings);
    STATUS_CHECKS[status]?.(o, clock, findings);
  }
}

/** The order was placed with its event, and its finished status was written with its own. */
function checkEvents(o: OrderInTables, status: string, findings: Findings): void {
  if (!o.timeline.has('order.placed.v1'))
    findings.violate('missingEvent', o.subject, 'no order.placed.v1 event');
  const type = STATUS_EVENTS[status];
  if (type && !o.timeline.has(type))
    findings.violate('missingEvent', o.subject, `${status} without ${type}`);
}

function checkPending(o: OrderInTables, clock: Clock, findings: Findings): void {
  const age = ageOverBound(o.order.createdAt, clock);
  if (age === undefined) return;
  findings.violate(
    'pendingTooLong',
    o.subject,
    // Without a creation time its age is unknown: it could be stuck forever unnoticed.
    Number.isNaN(age)
      ? `PENDING with createdAt ${String(o.order.createdAt)}`
      : `PENDING for ${age} s (bound ${clock.maxPendingMs / 1000} s)`,
  );
}

/** A CONFIRMED order: charged its total, its items reserved, its shipment requested. */
function checkConfirmed(o: OrderInTables, clock: Clock, findings: Findings): void {
  const { subject, order, payment, reservation } = o;
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
  checkConfirmedShipment(o, clock, findings);
}

/**
 * A CONFIRMED order's one shipment, REQUESTED with its items. None yet, or one that FAILED
 * (its refund and release are under way), is in flight until the bound.
 */
function checkConfirmedShipment(o: OrderInTables, clock: Clock, findings: Findings): void {
  if (!o.shipments) return;
  const [shipment, ...more] = o.shipments;
  const bound = `bound ${clock.maxPendingMs / 1000} s`;
  const violate = (detail: string) => findings.violate('confirmedShipment', o.subject, detail);
  if (more.length > 0) {
    violate(`${o.shipments.length} shipments`);
  } else if (!shipment) {
    const age = ageOverBound(o.timeline.get('order.confirmed.v1') ?? o.order.updatedAt, clock);
    if (age !== undefined) violate(`no shipment ${ageText(age)} since it was CONFIRMED (${bound})`);
  } else if (shipment.status === 'FAILED') {
    const age = ageOverBound(shipment.createdAt, clock);
    if (age !== undefined)
      violate(
        `shipment FAILED (${String(shipment.reason)}) ${ageText(age)} and the order is not CANCELLED (${bound})`,
      );
  } else if (shipment.status !== 'REQUESTED') {
    violate(`shipment is ${String(shipment.status)}, not REQUESTED`);
  } else if (lineKey(linesOf(shipment.items)) !== lineKey(linesOf(o.order.items))) {
    violate(
      `shipped ${lineKey(linesOf(shipment.items))}, ordered ${lineKey(linesOf(o.order.items))}`,
    );
  }
}

function checkFailed(o: OrderInTables, _clock: Clock, findings: Findings): void {
  const { subject, reservation, payment, shipments } = o;
  if (reservation?.status === 'RESERVED') {
    findings.violate('failedHoldsStock', subject, `holds ${lineKey(linesOf(reservation.items))}`);
  }
  if (payment?.status === 'CHARGED') {
    findings.violate(
      'failedCharged',
      subject,
      `charged ${String(payment.amount)} and not refunded`,
    );
  }
  for (const shipment of shipments ?? []) {
    findings.violate('failedShipped', subject, `has a shipment ${String(shipment.status)}`);
  }
}

/** A CANCELLED order (its shipment failed): its stock released, its charge refunded. */
function checkCancelled(o: OrderInTables, _clock: Clock, findings: Findings): void {
  const { subject, reservation, payment } = o;
  if (reservation?.status === 'RESERVED') {
    findings.violate(
      'cancelledHoldsStock',
      subject,
      `holds ${lineKey(linesOf(reservation.items))}`,
    );
  } else if (reservation?.status !== 'RELEASED') {
    findings.violate(
      'cancelledHoldsStock',
      subject,
      `reservation is ${String(reservation?.status ?? 'missing')}, not RELEASED`,
    );
  }
  if (payment?.status === 'CHARGED') {
    findings.violate(
      'cancelledCharged',
      subject,
      `charged ${String(payment.amount)} and not refunded`,
    );
  } else if (payment?.status !== 'REFUNDED' && payment?.status !== 'VOIDED') {
    findings.violate(
      'cancelledCharged',
      subject,
      `payment is ${String(payment?.status ?? 'missing')}, not REFUNDED or VOIDED`,
    );
  }
  checkCancelledShipment(o, findings);
}

function checkCancelledShipment({ subject, shipments }: OrderInTables, findings: Findings): void {
  if (!shipments) return;
  const [shipment] = shipments;
  let found: string | undefined;
  if (!shipment) found = 'no shipment';
  else if (shipments.length > 1) found = `${shipments.length} shipments`;
  else if (shipment.status !== 'FAILED')
    found = `shipment is ${String(shipment.status)}, not FAILED`;
  if (found) findings.violate('cancelledShipment', subject, found);
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

/** Shipments of no order, or of an order that never got CONFIRMED (a FAILED one: see checkFailed). */
function checkShipments({ orders, shipments }: Tables, findings: Findings): void {
  for (const [id, list] of shipments ?? []) {
    const status = orders.get(id)?.status;
    for (const shipment of list) {
      findings.count(`shipments ${String(shipment.status)}`);
      if (status === 'CONFIRMED' || status === 'CANCELLED' || status === 'FAILED') continue;
      findings.violate(
        'orphanShipment',
        `shipment of ${id}`,
        `${String(shipment.status)} ${lineKey(linesOf(shipment.items))} ${status === undefined ? 'without an order' : `while the order is ${String(status)}`}`,
      );
    }
  }
}

/** What RESERVED reservations take, by sku: held (PENDING), sold (CONFIRMED), stuck. */
interface Holdings {
  readonly held: Map<string, number>;
  readonly sold: Map<string, number>;
  /**
   * Taken by a FAILED or CANCELLED order or by no order: a violation of its own, but the
   * stock is still accounted for, so the equation only reports stock created or lost.
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
  if (!order || order.status === 'FAILED' || order.status === 'CANCELLED') return buckets.stuck;
  if (order.status === 'PENDING') return buckets.held;
  if (order.status === 'CONFIRMED') return buckets.sold;
  return undefined;
}

/**
 * Seconds since `since` when that is more than the bound, else undefined; NaN when `since` is
 * no readable time (its age is unknown: it could be stuck forever unnoticed).
 */
function ageOverBound(since: unknown, clock: Clock): number | undefined {
  const age = clock.now - Date.parse(String(since));
  if (Number.isNaN(age)) return Number.NaN;
  return age > clock.maxPendingMs ? Math.round(age / 1000) : undefined;
}

const ageText = (seconds: number) =>
  Number.isNaN(seconds) ? 'for an unknown time' : `for ${seconds} s`;

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
