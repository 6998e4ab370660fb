/** Failures of the saga. A TransientError is worth another attempt later; anything else is a bug. */

/** Something did not answer definitely (invoke error or timeout, throttling, conflict). */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
}

/** A participant invoke failed: a function error, a timeout, or an unreadable reply. */
export class ParticipantUnavailableError extends TransientError {
  override readonly name = 'ParticipantUnavailableError';
}

/** The orders table could not be read or written. */
export class OrderStoreUnavailableError extends TransientError {
  override readonly name = 'OrderStoreUnavailableError';
}

/** A compensation kept failing; the message will be retried or land in the DLQ. */
export class CompensationFailedError extends TransientError {
  override readonly name = 'CompensationFailedError';
}
