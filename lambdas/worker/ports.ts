/**
 * What the saga needs from the outside: the participants (reached by Lambda Invoke in
 * production) and the orders table.
 */
import type {
  InventoryCommand,
  InventoryReply,
  PaymentCommand,
  PaymentReply,
} from '../shared/commands.js';
import type { CloudEvent } from '../shared/events.js';
import type { FailPlan } from './domain.js';

/** The inventory and payment participants; each method throws a TransientError when no definite reply came. */
export interface ParticipantsPort {
  /** Sends a command to the inventory participant and returns its reply. */
  inventory(command: InventoryCommand): Promise<InventoryReply>;
  /** Sends a command to the payment participant and returns its reply. */
  payment(command: PaymentCommand): Promise<PaymentReply>;
}

/** An order as the saga sees it. */
export interface SagaOrder {
  orderId: string;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED';
  total: number;
  currency: string;
  /** Set on a PENDING order once a delivery decided to fail it: every later one compensates. */
  failing?: FailPlan;
}

/**
 * The end of a saga: the order's final status, the event that says so, and the events of the
 * steps that led there (reserved, charged, refunded, released), written with it.
 */
export type FinalState = { steps: CloudEvent[] } & (
  | { status: 'CONFIRMED'; event: CloudEvent<'order.confirmed.v1'> }
  | { status: 'FAILED'; reason: string; event: CloudEvent<'order.failed.v1'> }
);

/** The orders table as the saga uses it. */
export interface SagaOrderStore {
  /** The order (consistent read), if any. */
  getOrder(orderId: string): Promise<SagaOrder | undefined>;
  /**
   * Counts a failed attempt on a PENDING order and keeps its last error (what `mini-ec dlq list`
   * and the chaos report show); ignored when the order is no longer PENDING.
   */
  recordFailedAttempt(orderId: string, error: string): Promise<void>;
  /** Records steps' events ahead of the final write (an event type already recorded is kept). */
  recordSteps(steps: CloudEvent[]): Promise<void>;
  /**
   * Marks a PENDING order as failing with this plan, unless a plan is there already; returns
   * the plan that holds (the one already there wins), or the status the order has when it is no
   * longer PENDING (MISSING when there is none). From then on no delivery can confirm the order.
   */
  startFailing(orderId: string, plan: FailPlan): Promise<{ plan: FailPlan } | { status: string }>;
  /**
   * Moves a PENDING order to its final status and writes its event and its steps' events, in
   * one transaction (events of a type recorded before are left as they are). Returns false
   * when the order was no longer PENDING (someone else finished it), or, for CONFIRMED, when
   * it is failing.
   */
  finish(orderId: string, state: FinalState): Promise<boolean>;
}
