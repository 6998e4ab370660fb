/** Failures of the relay; each fails exactly the stream record it belongs to. */

/** The stream record holds no CloudEvent we can send (a bug upstream: it goes to the DLQ). */
export class NotAnEventError extends Error {
  override readonly name = 'NotAnEventError';
}

/** The queue refused this message (a `Failed` entry, or the whole call failed). */
export class SendFailedError extends Error {
  override readonly name = 'SendFailedError';
  constructor(
    message: string,
    readonly code: string,
    readonly senderFault: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
