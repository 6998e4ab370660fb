/**
 * The order service's part in the choreography: it keeps on each order's timeline the facts
 * other services decided (a shipment requested or failed, and the refund and the release that
 * undo a failed shipment), shows the shipment's state on the order, and marks the order
 * CANCELLED (with order.cancelled.v1) once both compensations are recorded. It decides only
 * for the order; what to undo, the payment and inventory services decide themselves.
 * Idempotent per order and event type: a fact recorded once is never recorded again.
 */
import { buildEvent, type CloudEvent, EVENT_SOURCES, type EventType } from '../shared/events.js';
import type { Log } from '../shared/powertools.js';

/** What must be on the timeline before the order is CANCELLED: the failure and both compensations. */
const CANCEL_WHEN = ['shipping.failed.v1', 'payment.refunded.v1', 'inventory.released.v1'] as const;

/** The shipment's state as the order shows it. */
export interface ShipmentState {
  status: 'REQUESTED' | 'FAILED';
  reason?: string;
}

/** The orders table as the order service's choreography uses it. */
export interface OrderFactStore {
  /**
   * Puts the fact on the order's timeline (and the shipment's state on the order, when given),
   * in one transaction; false when the order's timeline has that event type already.
   */
  recordFact(event: CloudEvent, shipment?: ShipmentState): Promise<boolean>;
  /** True when every one of these event types is on the order's timeline (consistent read). */
  hasFacts(orderId: string, types: readonly EventType[]): Promise<boolean>;
  /**
   * CONFIRMED with a failed shipment → CANCELLED, with its event, in one transaction; false
   * when the order was not in that state (cancelled already).
   */
  cancel(orderId: string, event: CloudEvent<'order.cancelled.v1'>): Promise<boolean>;
}

/** Records other services' facts about orders, and cancels an order whose shipment failed. */
export class OrderFacts {
  constructor(private readonly store: OrderFactStore) {}

  /** Records the fact (and the shipment's state); cancels the order when it completes the failure. */
  async record(event: CloudEvent, log: Log): Promise<void> {
    const recorded = await this.store.recordFact(event, shipmentStateOf(event));
    log.info(recorded ? `${event.type} recorded` : `${event.type} was recorded already`, {
      eventId: event.id,
    });
    if (!(CANCEL_WHEN as readonly string[]).includes(event.type)) return;
    // Facts come in any order; whichever is recorded last sees them all (reads are consistent).
    if (!(await this.store.hasFacts(event.subject, CANCEL_WHEN))) return;
    const cancelled = buildEvent({
      type: 'order.cancelled.v1',
      source: EVENT_SOURCES.worker,
      orderId: event.subject,
      correlationId: event.correlationid,
      sagaId: event.sagaid,
      data: { orderId: event.subject, reason: 'SHIPPING_FAILED' },
    });
    const changed = await this.store.cancel(event.subject, cancelled);
    log.info(changed ? 'order CANCELLED' : 'order was cancelled already');
  }
}

function shipmentStateOf(event: CloudEvent): ShipmentState | undefined {
  if (event.type === 'shipping.requested.v1') return { status: 'REQUESTED' };
  if (event.type === 'shipping.failed.v1') {
    const { reason } = event.data as CloudEvent<'shipping.failed.v1'>['data'];
    return { status: 'FAILED', reason };
  }
  return undefined;
}
