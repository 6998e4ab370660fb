/**
 * Commands the worker sends to the participants by Lambda Invoke (requests, not events),
 * and their replies. A business refusal is a normal reply (`outcome: 'REJECTED'`); a
 * transient failure is a function error (the handler throws), which the worker retries.
 */
export interface OrderLine {
  sku: string;
  qty: number;
}

/** The limits of an order's lines, the same at the API, in the inventory and in the CLI. */
export const ORDER_LINE_LIMITS = {
  /** A sku: 1–64 letters, digits, `.`, `_` or `-`. */
  sku: /^[A-Za-z0-9._-]{1,64}$/,
  maxItems: 50,
  maxQty: 1000,
} as const;

/** Reads a list of order lines (a sku and an integer qty each); undefined when it is not one. */
export function parseOrderLines(value: unknown): OrderLine[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const lines: OrderLine[] = [];
  for (const item of value as unknown[]) {
    const line = item as Partial<OrderLine> | null;
    if (typeof line?.sku !== 'string' || !Number.isInteger(line.qty)) return undefined;
    lines.push({ sku: line.sku, qty: line.qty as number });
  }
  return lines;
}

/** Reads an event's optional `noShip` (the skus that cannot ship): [] when absent. */
export function parseNoShip(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((sku) => typeof sku === 'string')) return undefined;
  return value as string[];
}

export type InventoryCommand =
  | { command: 'reserve'; orderId: string; items: OrderLine[]; correlationId: string }
  | { command: 'release'; orderId: string; correlationId: string };

export type InventoryReply =
  | { outcome: 'RESERVED' }
  | { outcome: 'RELEASED' }
  | { outcome: 'REJECTED'; reason: 'OUT_OF_STOCK' | 'RESERVATION_RELEASED' };

export type PaymentCommand =
  | { command: 'charge'; orderId: string; amount: number; currency: string; correlationId: string }
  | { command: 'refund'; orderId: string; correlationId: string };

export type PaymentReply =
  | { outcome: 'CHARGED'; paymentId: string }
  | { outcome: 'REFUNDED' }
  | { outcome: 'REJECTED'; reason: 'PAYMENT_DECLINED' | 'PAYMENT_VOIDED' };
