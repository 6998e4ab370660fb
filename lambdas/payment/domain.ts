/**
 * Payment rules, free of I/O: what a command must look like, and which charges are declined.
 */
import { InvalidCommandError, parseCommandEnvelope } from '../shared/command-envelope.js';
import type { PaymentCommand } from '../shared/commands.js';

/** Checks an invoke payload against the payment commands of lambdas/shared/commands.ts. */
export function parsePaymentCommand(payload: unknown): PaymentCommand {
  const { command, orderId, correlationId, fields: p } = parseCommandEnvelope(payload);
  if (command === 'refund') return { command: 'refund', orderId, correlationId };
  if (command !== 'charge') throw new InvalidCommandError(`unknown command ${String(command)}`);
  if (!Number.isSafeInteger(p.amount) || (p.amount as number) < 0) {
    throw new InvalidCommandError('amount must be a non-negative integer');
  }
  if (typeof p.currency !== 'string' || !/^[A-Z]{3}$/.test(p.currency)) {
    throw new InvalidCommandError('currency must be an ISO 4217 code');
  }
  return {
    command: 'charge',
    orderId,
    amount: p.amount as number,
    currency: p.currency,
    correlationId,
  };
}

/** A charge above the limit is declined: a permanent refusal (demos use it to show compensation). */
export const isDeclined = (amount: number, limit: number): boolean => amount > limit;

/** Status of an order's payment item: VOIDED is a tombstone left by a refund that came first. */
export type PaymentStatus = 'CHARGED' | 'REFUNDED' | 'VOIDED';
