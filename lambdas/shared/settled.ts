/**
 * When an order has settled — nothing more will happen to it — as its view (GET /orders/{id},
 * the orders table's item) shows: FAILED and CANCELLED are final; a CONFIRMED order has
 * settled once its shipment is requested (a failed shipment goes on to CANCELLED). The CLI,
 * the proof and the tests wait for this, one rule.
 */

/** What the rule reads of an order. */
export interface OrderState {
  status?: unknown;
  shipment?: { status?: unknown } | undefined;
}

/** True when the order will not change any more. */
export function hasSettled(order: OrderState): boolean {
  if (order.status === 'FAILED' || order.status === 'CANCELLED') return true;
  return order.status === 'CONFIRMED' && order.shipment?.status === 'REQUESTED';
}
