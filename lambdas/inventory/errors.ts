/** Domain failures of the inventory store; adapters raise them with the SDK error as `cause`. */

/** The order already has a reservation item (reserved or released before). */
export class ReservationExistsError extends Error {
  override readonly name = 'ReservationExistsError';
}

/** At least one line has less stock available than asked (or its sku has no stock item). */
export class OutOfStockError extends Error {
  override readonly name = 'OutOfStockError';
}

/** The reservation changed between our read and our write (another release won); read again. */
export class ReservationChangedError extends Error {
  override readonly name = 'ReservationChangedError';
}

/** The store could not give a definite answer (conflict, throttling, network): retry later. */
export class InventoryUnavailableError extends Error {
  override readonly name = 'InventoryUnavailableError';
}
