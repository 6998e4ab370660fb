/**
 * The envelope every participant command carries (pure: no I/O), checked before the
 * command's own fields.
 */

/** A command that does not have the documented shape; the invoker has a bug (no retry helps). */
export class InvalidCommandError extends Error {
  override readonly name = 'InvalidCommandError';
}

/** The fields every command has, and the rest of the payload for the command's own checks. */
export interface CommandEnvelope {
  command: unknown;
  orderId: string;
  correlationId: string;
  fields: Record<string, unknown>;
}

/** Checks the envelope of an invoke payload: an object with `orderId` and `correlationId`. */
export function parseCommandEnvelope(payload: unknown): CommandEnvelope {
  if (typeof payload !== 'object' || payload === null) {
    throw new InvalidCommandError('payload is not an object');
  }
  const fields = payload as Record<string, unknown>;
  if (typeof fields.orderId !== 'string' || fields.orderId.length === 0) {
    throw new InvalidCommandError('orderId is required');
  }
  if (typeof fields.correlationId !== 'string' || fields.correlationId.length === 0) {
    throw new InvalidCommandError('correlationId is required');
  }
  return {
    command: fields.command,
    orderId: fields.orderId,
    correlationId: fields.correlationId,
    fields,
  };
}
