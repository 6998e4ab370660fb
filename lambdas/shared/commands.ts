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
