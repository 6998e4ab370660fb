/**
 * Payment rules, free of I/O: what a command must look like, and which charges are declined.
 */
import type { PaymentCommand } from '../shared/commands.js';

/** A command that does not have the documented shape; the invoker has a bug (no retry helps). */
export class InvalidCommandError extends Error {
  override readonly name = 'InvalidCommandError';
}

/** Checks an invoke payload against the payment commands of lambdas/shared/commands.ts. */
export function parsePaymentCommand(payload: unknown): PaymentCommand {
  if (typeof payload !== 'object' || payload === null)
    throw new InvalidCommandError('payload is not an object');
  const p = payload as Record<string, unknown>;
  if (typeof p.orderId !== 'string' || p.orderId.length === 0)
    throw new InvalidCommandError('orderId is required');
  if (typeof p.correlationId !== 'string' || p.correlationId.length === 0) {
    throw new InvalidCommandError('correlationId is required');
  }
  if (p.command === 'refund')
    return { command: 'refund', orderId: p.orderId, correlationId: p.correlationId };
  if (p.command !== 'charge') throw new InvalidCommandError(`unknown command ${String(p.command)}`);
  if (!Number.isSafeInteger(p.amount) || (p.amount as number) < 0) {
    throw new InvalidCommandError('amount must be a non-negative integer');
  }
  if (typeof p.currency !== 'string' || !/^[A-Z]{3}$/.test(p.currency)) {
    throw new InvalidCommandError('currency must be an ISO 4217 code');
  }
  return {
    command: 'charge',
    orderId: p.orderId,
    amount: p.amount as number,
    currency: p.currency,
    correlationId: p.correlationId,
  };
}

/** A charge above the limit is declined: a permanent refusal (demos use it to show compensation). */
export const isDeclined = (amount: number, limit: number): boolean => amount > limit;

/** Status of an order's payment item: VOIDED is a tombstone left by a refund that came first. */
export type PaymentStatus = 'CHARGED' | 'REFUNDED' | 'VOIDED';
