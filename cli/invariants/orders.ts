/**
 * The orders: each accepted order exists, then each order is counted, its events checked and
 * handed to its status's own check (./statuses.ts).
 */
import type { Findings } from './findings.js';
import { type Clock, type OrderInTables, STATUS_CHECKS } from './statuses.js';
import type { Tables } from './tables.js';

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

const DEFAULT_MAX_PENDING_SECONDS = 900;
/** The event a finished order's status is written with. */
const STATUS_EVENTS: Record<string, string> = {
  CONFIRMED: 'order.confirmed.v1',
  FAILED: 'order.failed.v1',
  CANCELLED: 'order.cancelled.v1',
};

/** Orders: existence, then each order's events and its status's invariants. */
export function checkOrders(tables: Tables, options: VerifyOptions, findings: Findings): void {
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
