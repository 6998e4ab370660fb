/** Failures of the shipping service; adapters raise them with the SDK error as `cause`. */

/** The shipments table could not give a definite answer (conflict, throttling, network): retry later. */
export class ShipmentsUnavailableError extends Error {
  override readonly name = 'ShipmentsUnavailableError';
}
