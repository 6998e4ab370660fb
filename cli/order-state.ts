/**
 * When an order has settled, as `order`, `trace --follow` and `cost` wait for it: the one rule
 * of lambdas/shared/settled.ts (FAILED, CANCELLED, or CONFIRMED with its shipment requested),
 * except on a target without the shipping service (a stack deployed before it), where no
 * shipment ever comes and CONFIRMED is the end.
 */
import { hasSettled as settledWithShipping } from '../lambdas/shared/settled.js';
import type { StackOutputs } from './target.js';

/** Whether the target runs the shipping service: then a CONFIRMED order gets a shipment. */
export function shipsOrders(outputs: StackOutputs): boolean {
  return outputs.ShippingFunctionName !== undefined;
}

/** True when nothing more happens to the order (the API's view or the orders table's item). */
export function hasSettled(
  order: { status?: unknown; shipment?: unknown },
  ships: boolean,
): boolean {
  if (!ships && order.status === 'CONFIRMED') return true;
  const { shipment } = order;
  return settledWithShipping({
    status: order.status,
    shipment: typeof shipment === 'object' && shipment !== null ? shipment : undefined,
  });
}
