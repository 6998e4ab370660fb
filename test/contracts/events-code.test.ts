import { describe, expect, it } from 'vitest';
import type {
  InventoryCommand,
  InventoryReply,
  PaymentCommand,
  PaymentReply,
} from '../../lambdas/shared/commands.js';
import {
  buildEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  type EventData,
  type EventType,
  type ShippingFailure,
} from '../../lambdas/shared/events.js';
import { newOrderId } from '../../lambdas/shared/ids.js';
import {
  assertValidCloudEvent,
  assertValidCommand,
  assertValidReply,
  asyncApiDocument,
  at,
  documentedEventTypes,
  documentedSources,
} from '../../proof/contracts.js';

// One `data` per type, typed by the code's own EventData: a field renamed in the code breaks
// the type check here, a field the document does not know breaks the assertion below.
const orderId = newOrderId();
const items = [
  { sku: 'coffee', qty: 2 },
  { sku: 'piano', qty: 1 },
];
const samples: { [T in EventType]: EventData[T][] } = {
  'order.placed.v1': [
    { orderId, items, total: 1000, currency: 'JPY' },
    { orderId, items, total: 1000, currency: 'JPY', noShip: ['piano'] },
  ],
  'inventory.reserved.v1': [{ orderId }],
  'payment.charged.v1': [{ orderId, paymentId: 'pay-1', amount: 1000, currency: 'JPY' }],
  'payment.refunded.v1': [{ orderId, paymentId: 'pay-1' }, { orderId }],
  'inventory.released.v1': [{ orderId }],
  'order.confirmed.v1': [
    { orderId, total: 1000, currency: 'JPY', items, noShip: [] },
    { orderId, total: 1000, currency: 'JPY', items, noShip: ['piano'] },
  ],
  'order.failed.v1': [{ orderId, reason: 'PAYMENT_DECLINED' }],
  'shipping.requested.v1': [{ orderId, shipmentId: 'shp-1', items }],
  'shipping.failed.v1': [
    { orderId, reason: 'SKU_CANNOT_SHIP', skus: ['piano'] },
    { orderId, reason: 'GAVE_UP' },
  ],
  'order.cancelled.v1': [{ orderId, reason: 'SHIPPING_FAILED' }],
};
// Typed by the code's union: a reason added to or removed from ShippingFailure breaks the type check.
const shippingFailures: Record<ShippingFailure, true> = {
  SKU_CANNOT_SHIP: true,
  GAVE_UP: true,
};

describe('docs/asyncapi.yaml and the events the code builds (lambdas/shared/events.ts)', () => {
  it('document exactly the event types of the code', () => {
    expect(documentedEventTypes().sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('name only sources the code has (EVENT_SOURCES), and every one of them writes a type', () => {
    const documented = new Set(documentedEventTypes().flatMap(documentedSources));

    expect([...documented].sort()).toEqual(Object.values(EVENT_SOURCES).sort());
  });

  it.each(EVENT_TYPES.flatMap((type) => documentedSources(type).map((source) => [type, source])))(
    'accept every %s from %s that buildEvent makes',
    (type, source) => {
      for (const data of samples[type as EventType]) {
        const event = buildEvent({
          type: type as EventType,
          source,
          orderId,
          correlationId: 'cid-contract',
          sagaId: orderId,
          data,
        });

        expect(() => assertValidCloudEvent(event)).not.toThrow();
      }
    },
  );

  it('reject an event from a service the document does not name as its writer', () => {
    const event = buildEvent({
      type: 'inventory.released.v1',
      source: EVENT_SOURCES.payment,
      orderId,
      correlationId: 'cid-contract',
      sagaId: orderId,
      data: { orderId },
    });

    expect(() => assertValidCloudEvent(event)).toThrow(/\/source must be equal to one of/);
  });

  it("document exactly the code's reasons for a failed shipment", () => {
    expect(
      at(asyncApiDocument, '/components/schemas/ShippingFailedData/properties/reason/enum'),
    ).toEqual(Object.keys(shippingFailures));
  });
});

describe('docs/asyncapi.yaml and the commands of lambdas/shared/commands.ts', () => {
  // Typed by the code's own unions: every variant of each command and reply.
  const commands: (InventoryCommand | PaymentCommand)[] = [
    { command: 'reserve', orderId, items: [{ sku: 'coffee', qty: 1 }], correlationId: 'c' },
    { command: 'release', orderId, correlationId: 'c' },
    { command: 'charge', orderId, amount: 500, currency: 'JPY', correlationId: 'c' },
    { command: 'refund', orderId, correlationId: 'c' },
  ];
  const inventoryReplies: InventoryReply[] = [
    { outcome: 'RESERVED' },
    { outcome: 'RELEASED' },
    { outcome: 'REJECTED', reason: 'OUT_OF_STOCK' },
    { outcome: 'REJECTED', reason: 'RESERVATION_RELEASED' },
  ];
  const paymentReplies: PaymentReply[] = [
    { outcome: 'CHARGED', paymentId: 'pay-1' },
    { outcome: 'REFUNDED' },
    { outcome: 'REJECTED', reason: 'PAYMENT_DECLINED' },
    { outcome: 'REJECTED', reason: 'PAYMENT_VOIDED' },
  ];

  it('accept every command the worker can send', () => {
    for (const command of commands) expect(() => assertValidCommand(command)).not.toThrow();
  });

  it('accept every reply the participants can give', () => {
    for (const reply of inventoryReplies) {
      expect(() => assertValidReply('reserve', reply)).not.toThrow();
      expect(() => assertValidReply('release', reply)).not.toThrow();
    }
    for (const reply of paymentReplies) {
      expect(() => assertValidReply('charge', reply)).not.toThrow();
      expect(() => assertValidReply('refund', reply)).not.toThrow();
    }
  });
});
