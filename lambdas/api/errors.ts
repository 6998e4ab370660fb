/**
 * The failures of the orders API, one class per failure. They say what went wrong in domain
 * terms; ./problems.ts alone decides what each one means in HTTP.
 */

/** One problem found in a request body, located by a JSON Pointer. */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** The body is not JSON. */
export class MalformedJsonError extends Error {
  override readonly name = 'MalformedJsonError';
}

/** The body is JSON but breaks the request schema. */
export class ValidationFailedError extends Error {
  override readonly name = 'ValidationFailedError';
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.pointer || '/'} ${e.detail}`).join('; '));
  }
}

/** The body is larger than the API accepts. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** POST /orders came without an Idempotency-Key. */
export class IdempotencyKeyMissingError extends Error {
  override readonly name = 'IdempotencyKeyMissingError';
}

/** The Idempotency-Key is not 1–255 printable ASCII characters. */
export class IdempotencyKeyInvalidError extends Error {
  override readonly name = 'IdempotencyKeyInvalidError';
}

/** The Idempotency-Key was used before with another request body. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
}

/** Some skus have no catalog entry. */
export class UnknownSkuError extends Error {
  override readonly name = 'UnknownSkuError';
  constructor(readonly skus: string[]) {
    super(`No catalog entry for sku ${skus.map((s) => `"${s}"`).join(', ')}.`);
  }
}

/** A client-stated price is not the catalog's. */
export class PriceMismatchError extends Error {
  override readonly name = 'PriceMismatchError';
  constructor(readonly mismatches: { sku: string; stated: number; catalog: number }[]) {
    super(
      mismatches
        .map((m) => `"${m.sku}" costs ${m.catalog}, not ${m.stated}`)
        .join('; ')
        .concat('.'),
    );
  }
}

/** No order has this id. */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
}

/** The orders table could not be read or written (the cause says why). */
export class OrdersUnavailableError extends Error {
  override readonly name = 'OrdersUnavailableError';
}

/** The Idempotency-Key's guard item exists: an order was created for this key before. */
export class IdempotencyGuardExistsError extends Error {
  override readonly name = 'IdempotencyGuardExistsError';
}
