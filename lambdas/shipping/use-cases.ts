/**
 * Shipping's use case: a confirmed order gets one shipment — requested, with
 * shipping.requested.v1, or failed for good, with shipping.failed.v1 and its reason, which
 * the payment, inventory and order services undo their part on. Idempotent per order: a
 * duplicate or replayed order.confirmed.v1 creates nothing new.
 */
import { randomUUID } from 'node:crypto';
import { buildEvent, type CloudEvent, EVENT_SOURCES } from '../shared/events.js';
import { type ConfirmedOrder, decideShipment } from './domain.js';
import type { Shipment, ShipmentStore } from './shipment-store.js';

/** How one order.confirmed.v1 ended: a new shipment, or the one the order had already. */
export type ShipOutcome = { created: true; shipment: Shipment } | { created: false };

export class Shipping {
  constructor(
    private readonly store: ShipmentStore,
    private readonly newShipmentId: () => string = () => `shp_${randomUUID()}`,
  ) {}

  /** Creates the order's shipment (`gaveUp`: it fails for good, see decideShipment). */
  async ship(
    order: ConfirmedOrder,
    confirmed: CloudEvent<'order.confirmed.v1'>,
    gaveUp = false,
  ): Promise<ShipOutcome> {
    const decision = decideShipment(order, gaveUp);
    const shipment: Shipment = {
      orderId: order.orderId,
      shipmentId: this.newShipmentId(),
      status: decision.ship ? 'REQUESTED' : 'FAILED',
      items: order.items,
      ...(decision.ship ? {} : { reason: decision.reason }),
      causationId: confirmed.id,
    };
    const facts = {
      source: EVENT_SOURCES.shipping,
      orderId: order.orderId,
      correlationId: confirmed.correlationid,
      sagaId: confirmed.sagaid,
    };
    const event = decision.ship
      ? buildEvent({
          ...facts,
          type: 'shipping.requested.v1',
          data: { orderId: order.orderId, shipmentId: shipment.shipmentId, items: order.items },
        })
      : buildEvent({
          ...facts,
          type: 'shipping.failed.v1',
          data: {
            orderId: order.orderId,
            reason: decision.reason,
            ...(decision.skus ? { skus: decision.skus } : {}),
          },
        });
    const created = await this.store.create(shipment, event);
    return created ? { created, shipment } : { created };
  }
}
