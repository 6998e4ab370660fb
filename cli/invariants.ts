/**
 * The saga's invariants over the items of the orders, inventory, payments and shipments
 * tables, free of I/O: each violation names its invariant, its subject and what was found;
 * the counts say what was looked at. `mini-ec verify` (./verify.ts) reads the tables and calls
 * check(), which runs the checks of ./invariants/ in the order INVARIANTS documents.
 */
import { Findings, type Violation } from './invariants/findings.js';
import type { Item } from './invariants/items.js';
import { checkOrders, type VerifyOptions } from './invariants/orders.js';
import {
  checkPayments,
  checkReservations,
  checkShipments,
  checkSkus,
} from './invariants/orphans-and-stock.js';
import { indexTables } from './invariants/tables.js';

export { INVARIANTS } from './invariants/findings.js';
export type { Item } from './invariants/items.js';
export type { VerifyOptions } from './invariants/orders.js';

/** What `verify` found. */
export interface VerifyReport {
  counts: Record<string, number>;
  violations: Violation[];
  /** What could not be checked, and why (a target without the shipments table, …). */
  notChecked?: string[];
}

/**
 * The invariants over already-read items (pure; exported for tests). `shipmentItems`
 * undefined: the target has no shipments table, and the shipment invariants are not checked.
 */
export function check(
  orderItems: readonly Item[],
  inventoryItems: readonly Item[],
  paymentItems: readonly Item[],
  options: VerifyOptions = {},
  shipmentItems?: readonly Item[],
): VerifyReport {
  const findings = new Findings();
  const tables = indexTables(orderItems, inventoryItems, paymentItems, shipmentItems, findings);
  checkOrders(tables, options, findings);
  checkPayments(tables, findings);
  checkShipments(tables, findings);
  const holdings = checkReservations(tables, findings);
  checkSkus(tables, holdings, findings);
  findings.counts.violations = findings.violations.length;
  return { counts: findings.counts, violations: findings.violations };
}
