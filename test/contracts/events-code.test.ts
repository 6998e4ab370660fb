import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  type EventData,
  type EventType,
} from '../../lambdas/shared/events.js';
import { newOrderId } from '../../lambdas/shared/ids.js';
import { assertValidCloudEvent, documentedEventTypes } from '../support/contracts.js';

// One `data` per type, typed by the code's own EventData: a field renamed in the code breaks
// the type check here, a field the document does not know breaks the assertion below.
const orderId = newOrderId();
const samples: { [T in EventType]: EventData[T] } = {
  'order.placed.v1': { orderId, items: [{ sku: 'coffee', qty: 2 }], total: 1000, currency: 'JPY' },
  'inventory.reserved.v1': { orderId },
  'payment.charged.v1': { orderId, paymentId: 'pay-1', amount: 1000, currency: 'JPY' },
  'payment.refunded.v1': { orderId, paymentId: 'pay-1' },
  'inventory.released.v1': { orderId },
  'order.confirmed.v1': { orderId, total: 1000, currency: 'JPY' },
  'order.failed.v1': { orderId, reason: 'PAYMENT_DECLINED' },
};

describe('docs/asyncapi.yaml and the events the code builds (lambdas/shared/events.ts)', () => {
  it('document exactly the event types of the code', () => {
    expect(documentedEventTypes().sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES.map((type) => [type]))('accept the %s that buildEvent makes', (type) => {
    const event = buildEvent({
      type,
      source: type.startsWith('order.placed') ? EVENT_SOURCES.api : EVENT_SOURCES.worker,
      orderId,
      correlationId: 'cid-contract',
      sagaId: orderId,
      data: samples[type],
    });

    expect(() => assertValidCloudEvent(event)).not.toThrow();
  });
});
