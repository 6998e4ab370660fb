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
} from '../../lambdas/shared/events.js';
import { newOrderId } from '../../lambdas/shared/ids.js';
import {
  assertValidCloudEvent,
  assertValidCommand,
  assertValidReply,
  documentedEventTypes,
} from '../../proof/contracts.js';

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
