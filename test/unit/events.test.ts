import { describe, expect, it } from 'vitest';
import {
  asCloudEvent,
  buildEvent,
  type CloudEvent,
  compareEvents,
  EVENT_TYPES,
} from '../../lambdas/shared/events.js';
import { assertValidCloudEvent, documentedEventTypes } from '../../proof/contracts.js';

const facts = {
  type: 'order.failed.v1' as const,
  source: 'mini-ec/worker',
  orderId: '01JD3V6Q8R0M2Y4K7T9W1X5Z3A',
  correlationId: 'cid-1',
  sagaId: '01JD3V6Q8R0M2Y4K7T9W1X5Z3A',
  data: { orderId: '01JD3V6Q8R0M2Y4K7T9W1X5Z3A', reason: 'OUT_OF_STOCK' },
};

describe('buildEvent', () => {
  it('builds a CloudEvents 1.0 structured envelope: subject = order, correlation extensions, JSON data', () => {
    const event = buildEvent({ ...facts, time: new Date('2025-11-22T10:00:00.000Z') });

    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: 'mini-ec/worker',
      type: 'order.failed.v1',
      subject: facts.orderId,
      time: '2025-11-22T10:00:00.000Z',
      datacontenttype: 'application/json',
      correlationid: 'cid-1',
      sagaid: facts.sagaId,
      data: facts.data,
    });
    assertValidCloudEvent(event);
  });

  it('gives every event its own id', () => {
    expect(buildEvent(facts).id).not.toBe(buildEvent(facts).id);
  });

  it('uses only extension names made of lowercase letters and digits', () => {
    for (const name of Object.keys(buildEvent(facts))) expect(name).toMatch(/^[a-z0-9]{1,20}$/);
  });
});

describe('EVENT_TYPES', () => {
  it('lists exactly the types the AsyncAPI document describes', () => {
    expect([...EVENT_TYPES].sort()).toEqual([...documentedEventTypes()].sort());
  });
});

describe('compareEvents', () => {
  const at = (type: CloudEvent['type'], time: string) =>
    ({ ...buildEvent(facts), type, time }) as CloudEvent;

  it('orders by time first', () => {
    const events = [
      at('order.confirmed.v1', '2025-01-01T00:00:02.000Z'),
      at('order.placed.v1', '2025-01-01T00:00:01.000Z'),
    ];
    expect(events.sort(compareEvents).map((e) => e.type)).toEqual([
      'order.placed.v1',
      'order.confirmed.v1',
    ]);
  });

  it('breaks same-millisecond ties by the saga order of types', () => {
    const t = '2025-01-01T00:00:01.000Z';
    const events = [
      at('order.failed.v1', t),
      at('inventory.released.v1', t),
      at('inventory.reserved.v1', t),
      at('order.placed.v1', t),
    ];
    expect(events.sort(compareEvents).map((e) => e.type)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'inventory.released.v1',
      'order.failed.v1',
    ]);
  });
});

describe('asCloudEvent', () => {
  it('accepts a built event and refuses envelopes missing what consumers rely on', () => {
    const event = buildEvent(facts);
    expect(asCloudEvent(event)).toBe(event);
    expect(asCloudEvent({ ...event, specversion: '0.3' })).toBeUndefined();
    expect(asCloudEvent({ ...event, type: 'order.exploded.v1' })).toBeUndefined();
    expect(asCloudEvent({ ...event, correlationid: '' })).toBeUndefined();
    expect(asCloudEvent('text')).toBeUndefined();
  });
});
