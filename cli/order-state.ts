/**
 * When an order has settled, as `order`, `trace --follow` and `cost` wait for it: FAILED, or
 * CANCELLED, or CONFIRMED with its shipment requested. A CONFIRMED order whose shipment failed
 * is not settled: its refund and release are under way, and it goes on to CANCELLED. On a
 * target without the shipping service (a stack deployed before it) CONFIRMED is the end.
 */
import type { StackOutputs } from './target.js';

/** An order as the API or the orders table gives it: its status, and its shipment once heard. */
export interface OrderState {
  readonly status?: unknown;
  readonly shipment?: unknown;
}

/** Whether the target runs the shipping service: then a CONFIRMED order gets a shipment. */
export function shipsOrders(outputs: StackOutputs): boolean {
  return outputs.ShippingFunctionName !== undefined;
}

/** The shipment's status the order shows (REQUESTED or FAILED), once the order service heard it. */
export function shipmentStatusOf(order: OrderState): string | undefined {
  const { shipment } = order;
  if (typeof shipment !== 'object' || shipment === null) return undefined;
  const { status } = shipment as { status?: unknown };
  return typeof status === 'string' ? status : undefined;
}

/** True when nothing more happens to the order; `ships`: the target runs shipping. */
export function hasSettled(order: OrderState, ships: boolean): boolean {
  if (order.status === 'FAILED' || order.status === 'CANCELLED') return true;
  if (order.status !== 'CONFIRMED') return false;
  return !ships || shipmentStatusOf(order) === 'REQUESTED';
}
