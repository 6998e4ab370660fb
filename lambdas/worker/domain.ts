/**
 * Saga rules, free of I/O: what to do after each participant's reply, when to give up, and
 * how long to wait before the next attempt.
 */
import {
  type InventoryReply,
  type OrderLine,
  type PaymentReply,
  parseNoShip,
  parseOrderLines,
} from '../shared/commands.js';

/** Why an order ended FAILED. */
type FailureReason = 'OUT_OF_STOCK' | 'PAYMENT_DECLINED' | 'GAVE_UP';
/** A compensating command: undo a reservation or a charge. */
type Compensation = 'refund' | 'release';

/** Why the order fails and what to undo first, in this order. */
export interface FailPlan {
  reason: FailureReason;
  compensate: Compensation[];
}
/** End the order FAILED after the compensations, in this order. */
export type FailDecision = { next: 'fail' } & FailPlan;
/** The next step of the saga. */
export type Decision = { next: 'charge' } | { next: 'confirm'; paymentId: string } | FailDecision;

/** Giving up undoes everything that may have happened: refund first, then release. */
export const GIVE_UP: FailDecision = {
  next: 'fail',
  reason: 'GAVE_UP',
  compensate: ['refund', 'release'],
};

/** After `reserve`: charge; or fail OUT_OF_STOCK; a reservation released earlier means an earlier attempt gave up. */
export function decideAfterReserve(reply: InventoryReply): { next: 'charge' } | FailDecision {
  if (reply.outcome === 'RESERVED') return { next: 'charge' };
  if (reply.outcome === 'REJECTED' && reply.reason === 'OUT_OF_STOCK') {
    return { next: 'fail', reason: 'OUT_OF_STOCK', compensate: [] };
  }
  return GIVE_UP;
}

/** After `charge`: confirm; or give the stock back and fail PAYMENT_DECLINED; a voided payment means an earlier attempt gave up. */
export function decideAfterCharge(
  reply: PaymentReply,
): { next: 'confirm'; paymentId: string } | FailDecision {
  if (reply.outcome === 'CHARGED') return { next: 'confirm', paymentId: reply.paymentId };
  if (reply.outcome === 'REJECTED' && reply.reason === 'PAYMENT_DECLINED') {
    return { next: 'fail', reason: 'PAYMENT_DECLINED', compensate: ['release'] };
  }
  return GIVE_UP;
}

const REASONS: readonly FailureReason[] = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'GAVE_UP'];
const COMPENSATIONS: readonly Compensation[] = ['refund', 'release'];

/** Reads a FailPlan as the orders table stores it; undefined when it is not one. */
export function parseFailPlan(value: unknown): FailPlan | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { reason, compensate } = value as Record<string, unknown>;
  if (!REASONS.includes(reason as FailureReason) || !Array.isArray(compensate)) return undefined;
  if (!compensate.every((step) => COMPENSATIONS.includes(step as Compensation))) return undefined;
  return { reason: reason as FailureReason, compensate: compensate as Compensation[] };
}

/** The facts of an order.placed.v1 event the saga needs. */
export interface PlacedOrder {
  orderId: string;
  items: OrderLine[];
  total: number;
  currency: string;
  /** The skus that cannot ship (the catalog's word when the order was placed). */
  noShip: string[];
}

/** Reads the `data` of an order.placed.v1 event; undefined when it lacks what the saga needs. */
export function parsePlacedOrder(data: unknown): PlacedOrder | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const items = parseOrderLines(d.items);
  const noShip = parseNoShip(d.noShip);
  if (typeof d.orderId !== 'string' || !items || !noShip) return undefined;
  if (!Number.isSafeInteger(d.total) || typeof d.currency !== 'string') return undefined;
  return { orderId: d.orderId, items, total: d.total as number, currency: d.currency, noShip };
}
