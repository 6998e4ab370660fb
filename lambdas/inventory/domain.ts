/**
 * Inventory rules, free of I/O: what a command must look like, and what a cancelled
 * reservation transaction means.
 */
import { InvalidCommandError, parseCommandEnvelope } from '../shared/command-envelope.js';
import { type InventoryCommand, ORDER_LINE_LIMITS, type OrderLine } from '../shared/commands.js';

const { maxItems: MAX_ITEMS, maxQty: MAX_QTY, sku: SKU } = ORDER_LINE_LIMITS;

/** Checks an invoke payload against the inventory commands of lambdas/shared/commands.ts. */
export function parseInventoryCommand(payload: unknown): InventoryCommand {
  const { command, orderId, correlationId, fields: p } = parseCommandEnvelope(payload);
  if (command === 'release') return { command: 'release', orderId, correlationId };
  if (command !== 'reserve') throw new InvalidCommandError(`unknown command ${String(command)}`);
  if (!Array.isArray(p.items) || p.items.length === 0 || p.items.length > MAX_ITEMS) {
    throw new InvalidCommandError(`items must hold 1 to ${MAX_ITEMS} lines`);
  }
  const items = p.items.map((item: unknown, i) => {
    const line = item as Partial<OrderLine> | null;
    if (typeof line?.sku !== 'string' || !SKU.test(line.sku))
      throw new InvalidCommandError(`items[${i}].sku is invalid`);
    if (!Number.isInteger(line.qty) || (line.qty as number) < 1 || (line.qty as number) > MAX_QTY) {
      throw new InvalidCommandError(`items[${i}].qty is invalid`);
    }
    return { sku: line.sku, qty: line.qty as number };
  });
  return { command: 'reserve', orderId, items: mergeLines(items), correlationId };
}

/** One line per sku (quantities added), so a transaction never touches one stock item twice. */
export function mergeLines(lines: OrderLine[]): OrderLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, qty } of lines) bySku.set(sku, (bySku.get(sku) ?? 0) + qty);
  return [...bySku].map(([sku, qty]) => ({ sku, qty }));
}

/** Why a reservation transaction (reservation put first, then one stock update per line) was cancelled. */
export type ReserveCancellation = 'RESERVATION_EXISTS' | 'OUT_OF_STOCK' | 'TRANSIENT';

/**
 * Reads the per-operation cancellation codes of a reservation transaction. The reservation's
 * own condition wins (the order was seen before); then any stock condition means out of
 * stock; anything else (conflict, throttling) is worth a retry.
 */
export function interpretReserveCancellation(
  codes: readonly (string | undefined)[],
): ReserveCancellation {
  if (codes[0] === 'ConditionalCheckFailed') return 'RESERVATION_EXISTS';
  if (codes.slice(1).some((code) => code === 'ConditionalCheckFailed')) return 'OUT_OF_STOCK';
  return 'TRANSIENT';
}

/** Status of an order's reservation item. */
export type ReservationStatus = 'RESERVED' | 'RELEASED';
