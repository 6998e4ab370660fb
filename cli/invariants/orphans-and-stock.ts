/**
 * What the other tables hold against the orders: payments, shipments and reservations that
 * belong to no order (or to one whose status cannot have them), and per sku the ledger and the
 * stock equation over what the reservations hold.
 */
import type { Findings } from './findings.js';
import { type Item, lineKey, linesOf, num } from './items.js';
import type { Tables } from './tables.js';

/** Charges that belong to no order. */
export function checkPayments({ orders, payments }: Tables, findings: Findings): void {
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

/**
 * Shipments of no order, or of an order that never got CONFIRMED (a FAILED one: see checkFailed
 * in ./statuses.ts).
 */
export function checkShipments({ orders, shipments }: Tables, findings: Findings): void {
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
export function checkReservations({ orders, reservations }: Tables, findings: Findings): Holdings {
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
export function checkSkus(
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
