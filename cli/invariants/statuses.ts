/**
 * Each order's own invariants, by its status: PENDING not for too long; CONFIRMED charged its
 * total, its items reserved and its shipment requested; FAILED and CANCELLED holding no stock
 * and no charge, with no shipment (FAILED) or a FAILED one (CANCELLED).
 */
import type { Findings } from './findings.js';
import { type Item, lineKey, linesOf, num } from './items.js';

/** One order with what the other tables hold of it. */
export interface OrderInTables {
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
export interface Clock {
  readonly now: number;
  readonly maxPendingMs: number;
}

type StatusCheck = (o: OrderInTables, clock: Clock, f: Findings) => void;

/** Each status's own invariants (a status no saga writes has none: the stock equation tells). */
export const STATUS_CHECKS: Record<string, StatusCheck> = {
  PENDING: checkPending,
  CONFIRMED: checkConfirmed,
  FAILED: checkFailed,
  CANCELLED: checkCancelled,
};

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
