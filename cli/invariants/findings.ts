/**
 * What a verify run finds: the invariants by name, in the order they are checked, one broken
 * invariant, and the tally of counts and violations that every check adds to.
 */

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

/** One broken invariant. */
export interface Violation {
  invariant: string;
  subject: string;
  detail: string;
}

/** The counts and violations found so far. */
export class Findings {
  readonly counts: Record<string, number> = {};
  readonly violations: Violation[] = [];

  count(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by;
  }

  violate(invariant: keyof typeof INVARIANTS, subject: string, detail: string): void {
    this.violations.push({ invariant: INVARIANTS[invariant], subject, detail });
  }
}
