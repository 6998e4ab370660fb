/**
 * Shipping rules, free of I/O: what a confirmed order must tell the shipping service, and
 * whether its shipment can go.
 */
import { type OrderLine, parseNoShip, parseOrderLines } from '../shared/commands.js';
import type { ShippingFailure } from '../shared/events.js';

/** What the shipping service needs of an order.confirmed.v1 event. */
export interface ConfirmedOrder {
  orderId: string;
  items: OrderLine[];
  noShip: string[];
}

/** Reads the `data` of an order.confirmed.v1 event; undefined when it lacks what shipping needs. */
export function parseConfirmedOrder(data: unknown): ConfirmedOrder | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const items = parseOrderLines(d.items);
  const noShip = parseNoShip(d.noShip);
  if (typeof d.orderId !== 'string' || !items || !noShip) return undefined;
  return { orderId: d.orderId, items, noShip };
}

/** Whether the order ships: every line's sku can ship, and shipping did not give up. */
export type ShipmentDecision =
  | { ship: true }
  | { ship: false; reason: ShippingFailure; skus?: string[] };

/**
 * Decides the shipment of a confirmed order; `gaveUp`: the last attempt the queue allows
 * failed transiently, so the shipment fails for good rather than wait in the DLQ.
 */
export function decideShipment(order: ConfirmedOrder, gaveUp: boolean): ShipmentDecision {
  const noShip = new Set(order.noShip);
  const skus = order.items.map((line) => line.sku).filter((sku) => noShip.has(sku));
  if (skus.length > 0) return { ship: false, reason: 'SKU_CANNOT_SHIP', skus };
  if (gaveUp) return { ship: false, reason: 'GAVE_UP' };
  return { ship: true };
}
