/** Domain failures of the payments store; adapters raise them with the SDK error as `cause`. */

/** The order already has a payment item (charged, refunded or voided before). */
export class PaymentExistsError extends Error {
  override readonly name = 'PaymentExistsError';
}

/** The payment changed between our read and our write; read again. */
export class PaymentChangedError extends Error {
  override readonly name = 'PaymentChangedError';
}

/** The store could not give a definite answer: retry later. */
export class PaymentsUnavailableError extends Error {
  override readonly name = 'PaymentsUnavailableError';
}
