/**
 * The items of the orders, inventory, payments and shipments tables indexed by what they are
 * about (an order id, a sku), counting the events, facts and ledger entries on the way.
 */
import { ItemKind } from '../../lambdas/shared/keys.js';
import type { Findings } from './findings.js';
import { type Item, num } from './items.js';

/** The tables' items, by what they are about. */
export interface Tables {
  readonly orders: Map<string, Item>;
  /** Each order's timeline (its own events and the facts it heard): type → time. */
  readonly timelines: Map<string, Map<string, unknown>>;
  readonly reservations: Map<string, Item>;
  readonly stocks: Map<string, Item>;
  /** Sum of the ledger's deltas by sku. */
  readonly ledger: Map<string, number>;
  readonly payments: Map<string, Item>;
  /** Shipments by order id (a list: more than one is a violation); undefined: not checked. */
  readonly shipments?: Map<string, Item[]>;
}

/** The tables' items indexed; `shipmentItems` undefined: the shipments are not checked. */
export function indexTables(
  orderItems: readonly Item[],
  inventoryItems: readonly Item[],
  paymentItems: readonly Item[],
  shipmentItems: readonly Item[] | undefined,
  findings: Findings,
): Tables {
  const payments = new Map<string, Item>();
  for (const item of paymentItems) {
    if (item.kind === ItemKind.payment) payments.set(String(item.orderId), item);
  }
  return {
    ...indexOrders(orderItems, findings),
    ...indexInventory(inventoryItems, findings),
    payments,
    ...(shipmentItems ? { shipments: indexShipments(shipmentItems) } : {}),
  };
}

function indexOrders(items: readonly Item[], findings: Findings) {
  const orders = new Map<string, Item>();
  const timelines = new Map<string, Map<string, unknown>>();
  for (const item of items) {
    if (item.kind === ItemKind.order) orders.set(String(item.orderId), item);
    if (item.kind !== ItemKind.event && item.kind !== ItemKind.fact) continue;
    const id = String(item.orderId);
    const timeline = timelines.get(id) ?? new Map<string, unknown>();
    timelines.set(id, timeline);
    timeline.set(String(item.type), item.time);
    findings.count(item.kind === ItemKind.event ? 'events' : 'facts');
  }
  return { orders, timelines };
}

function indexInventory(items: readonly Item[], findings: Findings) {
  const reservations = new Map<string, Item>();
  const stocks = new Map<string, Item>();
  const ledger = new Map<string, number>();
  for (const item of items) {
    if (item.kind === ItemKind.reservation) reservations.set(String(item.orderId), item);
    if (item.kind === ItemKind.stock) stocks.set(String(item.sku), item);
    if (item.kind === ItemKind.stockLedger) {
      const sku = String(item.sku);
      ledger.set(sku, (ledger.get(sku) ?? 0) + num(item.delta));
      findings.count('ledger entries');
    }
  }
  return { reservations, stocks, ledger };
}

function indexShipments(items: readonly Item[]): Map<string, Item[]> {
  const shipments = new Map<string, Item[]>();
  for (const item of items) {
    if (item.kind !== ItemKind.shipment) continue;
    const id = String(item.orderId);
    shipments.set(id, [...(shipments.get(id) ?? []), item]);
  }
  return shipments;
}
