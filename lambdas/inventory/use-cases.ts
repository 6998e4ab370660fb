/**
 * Inventory use cases: reserve and release, idempotent per order. A reserve after a release
 * of the same order never takes stock; a release is safe to repeat and may come first. When
 * payment has refunded an order whose shipment failed, inventory releases on its own and says
 * so (inventory.released.v1): compensations in reverse order of the saga's steps.
 */
import type { InventoryReply, OrderLine } from '../shared/commands.js';
import { buildEvent, type CloudEvent, EVENT_SOURCES } from '../shared/events.js';
import { retryLostRaces } from '../shared/race.js';
import {
  InventoryUnavailableError,
  OutOfStockError,
  ReservationChangedError,
  ReservationExistsError,
} from './errors.js';
import type { InventoryStore } from './inventory-store.js';

/** Inventory use cases over a store. */
export class Inventory {
  constructor(private readonly store: InventoryStore) {}

  /** Reserves every line of the order, all or nothing; repeated, it answers the first outcome. */
  async reserve(orderId: string, items: OrderLine[]): Promise<InventoryReply> {
    try {
      await this.store.reserve(orderId, items);
      return { outcome: 'RESERVED' };
    } catch (error) {
      if (error instanceof OutOfStockError) return { outcome: 'REJECTED', reason: 'OUT_OF_STOCK' };
      if (!(error instanceof ReservationExistsError)) throw error;
    }
    const existing = await this.store.getReservation(orderId);
    if (existing?.status === 'RESERVED') return { outcome: 'RESERVED' };
    if (existing?.status === 'RELEASED')
      return { outcome: 'REJECTED', reason: 'RESERVATION_RELEASED' };
    throw new InventoryUnavailableError(`reservation of ${orderId} vanished while reading it`);
  }

  /** Gives the order's stock back (or blocks a late reserve when there is none yet). */
  async release(orderId: string): Promise<InventoryReply> {
    return retryLostRaces(
      async () => {
        const reservation = await this.store.getReservation(orderId);
        if (reservation === undefined) await this.store.putReleasedTombstone(orderId);
        else if (reservation.status === 'RESERVED') await this.store.releaseReserved(reservation);
        return { outcome: 'RELEASED' };
      },
      (error) => error instanceof ReservationChangedError,
      () => new InventoryUnavailableError(`release of ${orderId} kept racing with another writer`),
    );
  }

  /**
   * The second compensation of a failed shipment, after payment's refund: releases the order's
   * stock and records inventory.released.v1 in the inventory table's outbox in one transaction
   * (once per order). Returns whether the event is new.
   */
  async compensateShipment(refunded: CloudEvent<'payment.refunded.v1'>): Promise<boolean> {
    const orderId = refunded.subject;
    const released = buildEvent({
      type: 'inventory.released.v1',
      source: EVENT_SOURCES.inventory,
      orderId,
      correlationId: refunded.correlationid,
      sagaId: refunded.sagaid,
      data: { orderId },
    });
    return retryLostRaces(
      async () => {
        const reservation = await this.store.getReservation(orderId);
        if (reservation?.status === 'RESERVED') {
          await this.store.releaseReserved(reservation, released);
          return true;
        }
        // Nothing held is left (released, or never reserved): the event alone.
        if (reservation === undefined) await this.store.putReleasedTombstone(orderId);
        return this.store.recordEvent(released);
      },
      (error) => error instanceof ReservationChangedError,
      () => new InventoryUnavailableError(`release of ${orderId} kept racing with another writer`),
    );
  }
}
