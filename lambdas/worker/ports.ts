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
}

/** The end of a saga: the order's final status and the event that says so. */
export type FinalState =
  | { status: 'CONFIRMED'; event: CloudEvent<'order.confirmed.v1'> }
  | { status: 'FAILED'; reason: string; event: CloudEvent<'order.failed.v1'> };

/** The orders table as the saga uses it. */
export interface SagaOrderStore {
  /** The order (consistent read), if any. */
  getOrder(orderId: string): Promise<SagaOrder | undefined>;
  /**
   * Counts a failed attempt on a PENDING order and keeps its last error (what `mini-ec dlq list`
   * and the chaos report show); ignored when the order is no longer PENDING.
   */
  recordFailedAttempt(orderId: string, error: string): Promise<void>;
  /** Records a step's event once per order and type (a repeat is ignored). */
  recordStep(event: CloudEvent): Promise<void>;
  /**
   * Moves a PENDING order to its final status and writes its event, in one transaction.
   * Returns false when the order was no longer PENDING (someone else finished it).
   */
  finish(orderId: string, state: FinalState): Promise<boolean>;
}
