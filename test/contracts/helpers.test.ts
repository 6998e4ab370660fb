import { describe, expect, it } from 'vitest';

/** Asserts that `act` throws one error whose message matches every pattern, in any order. */
function expectThrowMatchingAll(act: () => void, patterns: RegExp[]): void {
  let message = '';
  try {
    act();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message, 'it did not throw').not.toBe('');
  for (const pattern of patterns) expect(message).toMatch(pattern);
}

import {
  assertMatchesOpenApi,
  assertValidCloudEvent,
  assertValidCommand,
  assertValidQueueMessage,
  assertValidReply,
} from '../../proof/contracts.js';

const json = { 'content-type': 'application/json; charset=utf-8' };
const problemJson = { 'content-type': 'application/problem+json' };

const accepted = () => ({
  method: 'POST',
  path: '/orders',
  status: 202,
  headers: new Headers({ ...json, location: '/orders/o-1', 'x-correlation-id': 'cid-1' }),
  body: { orderId: 'o-1', status: 'PENDING', correlationId: 'cid-1' },
});

/** GET /orders/{id}'s 200 answer with this body. */
const orderResponse = (body: unknown) => ({
  method: 'GET',
  path: '/orders/{id}',
  status: 200,
  headers: { ...json, 'x-correlation-id': 'cid-1' },
  body,
});

const problem = (status: number, code: string) => ({
  type: `https://mini-ec.dev/problems/${code.toLowerCase()}`,
  title: code,
  status,
  detail: `a ${code}`,
  code,
});

const order = () => ({
  orderId: 'o-1',
  status: 'FAILED',
  total: 1000,
  currency: 'JPY',
  items: [{ sku: 'coffee', qty: 2, price: 500 }],
  reason: 'OUT_OF_STOCK',
  correlationId: 'cid-1',
  createdAt: '2025-11-22T10:00:00.000Z',
  updatedAt: '2025-11-22T10:00:01.000Z',
});

/** The service that writes each type (the worker, unless named here). */
const WRITERS: Record<string, string> = {
  'order.placed.v1': 'mini-ec/api',
  'shipping.requested.v1': 'mini-ec/shipping',
  'shipping.failed.v1': 'mini-ec/shipping',
};

const event = (type: string, data: Record<string, unknown>, source = WRITERS[type]) => ({
  specversion: '1.0',
  id: 'e-1',
  source: source ?? 'mini-ec/worker',
  type,
  subject: 'o-1',
  time: '2025-11-22T10:00:00.000Z',
  datacontenttype: 'application/json',
  correlationid: 'cid-1',
  sagaid: 'o-1',
  data,
});

describe('assertMatchesOpenApi', () => {
  it('accepts a documented 202 with its headers and body', () => {
    expect(() => assertMatchesOpenApi(accepted())).not.toThrow();
  });

  it('accepts a replayed 202 that says so in Idempotent-Replayed', () => {
    const replay = accepted();
    replay.headers.set('idempotent-replayed', 'true');

    expect(() => assertMatchesOpenApi(replay)).not.toThrow();
  });

  it('accepts a CANCELLED order with its failed shipment, and a CONFIRMED one whose shipment is requested', () => {
    const cancelled = {
      ...order(),
      status: 'CANCELLED',
      reason: 'SHIPPING_FAILED',
      shipment: { status: 'FAILED', reason: 'SKU_CANNOT_SHIP' },
    };
    const { reason: _, ...confirmed } = {
      ...order(),
      status: 'CONFIRMED',
      shipment: { status: 'REQUESTED' },
    };
    for (const body of [cancelled, confirmed]) {
      expect(() => assertMatchesOpenApi(orderResponse(body))).not.toThrow();
    }
  });

  it('rejects a shipment state the contract does not know', () => {
    const body = { ...order(), status: 'CONFIRMED', shipment: { status: 'SHIPPED', carrier: 'x' } };

    expectThrowMatchingAll(
      () => assertMatchesOpenApi(orderResponse(body)),
      [
        /\/shipment\/status must be equal to one of the allowed values/,
        /additional properties "carrier"/,
      ],
    );
  });

  it('accepts a FAILED order and an order without reason, headers given as a plain object', () => {
    const { reason: _, ...pending } = { ...order(), status: 'PENDING' };
    for (const body of [order(), pending]) {
      expect(() =>
        assertMatchesOpenApi({
          method: 'GET',
          path: '/orders/{id}',
          status: 200,
          headers: { ...json, 'X-Correlation-Id': 'cid-1' },
          body,
        }),
      ).not.toThrow();
    }
  });

  it('accepts documented problems on each route', () => {
    const cases = [
      ['POST', '/orders', 400, 'VALIDATION_FAILED'],
      ['POST', '/orders', 413, 'BODY_TOO_LARGE'],
      ['POST', '/orders', 422, 'PRICE_MISMATCH'],
      ['GET', '/orders/{id}', 404, 'ORDER_NOT_FOUND'],
      ['GET', '/orders/{id}/events', 500, 'INTERNAL'],
    ] as const;
    for (const [method, path, status, code] of cases) {
      const body = { ...problem(status, code), errors: [{ pointer: '/items', detail: 'x' }] };
      expect(() =>
        assertMatchesOpenApi({ method, path, status, headers: problemJson, body }),
      ).not.toThrow();
    }
  });

  it("accepts a timeline of CloudEvents, the choreography's among them", () => {
    const body = {
      events: [
        event('order.placed.v1', { orderId: 'o-1' }),
        event('shipping.failed.v1', { orderId: 'o-1', reason: 'SKU_CANNOT_SHIP' }),
        event('payment.refunded.v1', { orderId: 'o-1' }, 'mini-ec/payment'),
        event('order.cancelled.v1', { orderId: 'o-1', reason: 'SHIPPING_FAILED' }),
      ],
    };

    expect(() =>
      assertMatchesOpenApi({
        method: 'GET',
        path: '/orders/{id}/events',
        status: 200,
        headers: { ...json, 'x-correlation-id': 'cid-1' },
        body,
      }),
    ).not.toThrow();
  });

  it('finds the documented template of a concrete path', () => {
    const answer = {
      method: 'GET',
      path: '/orders/o-1/events',
      status: 404,
      headers: problemJson,
      body: problem(404, 'ORDER_NOT_FOUND'),
    };

    expect(() => assertMatchesOpenApi(answer)).not.toThrow();
    expect(() => assertMatchesOpenApi({ ...answer, status: 200 })).toThrow(
      /GET \/orders\/\{id\}\/events → 200 does not match/,
    );
  });

  it('rejects a status the operation does not document', () => {
    expect(() => assertMatchesOpenApi({ ...accepted(), status: 201 })).toThrow(
      /status 201 is not documented .*202, 400, 413, 422, 429, 500/,
    );
  });

  it('rejects an operation that is not documented', () => {
    expect(() => assertMatchesOpenApi({ ...accepted(), method: 'DELETE' })).toThrow(
      /has no operation DELETE \/orders/,
    );
  });

  it('rejects an undocumented content type (a problem sent as plain JSON)', () => {
    expect(() =>
      assertMatchesOpenApi({
        method: 'POST',
        path: '/orders',
        status: 400,
        headers: json,
        body: problem(400, 'MALFORMED_JSON'),
      }),
    ).toThrow(/content-type "application\/json" is not documented/);
  });

  it('rejects a missing required header and a header value outside its schema', () => {
    const answer = accepted();
    answer.headers.delete('location');
    answer.headers.set('idempotent-replayed', 'yes');

    expect(() => assertMatchesOpenApi(answer)).toThrow(
      /header Location is missing; header Idempotent-Replayed: \(root\) must be equal to constant/,
    );
  });

  it('rejects a body that breaks the schema, saying where', () => {
    const answer = { ...accepted(), body: { orderId: 'o-1', status: 'CONFIRMED', extra: 1 } };

    expectThrowMatchingAll(
      () => assertMatchesOpenApi(answer),
      [
        /must have required property 'correlationId'/,
        /\/status must be equal to constant "PENDING"/,
        /must NOT have additional properties "extra"/,
      ],
    );
  });

  it('rejects a problem code that does not belong to its status', () => {
    expect(() =>
      assertMatchesOpenApi({
        method: 'POST',
        path: '/orders',
        status: 422,
        headers: problemJson,
        body: problem(422, 'BODY_TOO_LARGE'),
      }),
    ).toThrow(/\/code must be equal to one of the allowed values/);
  });

  it('rejects an order whose amounts are not integers in minor units, or whose dates are not date-times', () => {
    const body = { ...order(), total: 10.5, createdAt: 'yesterday' };

    expect(() => assertMatchesOpenApi(orderResponse(body))).toThrow(
      /\/total must be integer.*\/createdAt must match format "date-time"/,
    );
  });
});

describe('assertValidCloudEvent', () => {
  const valid = [
    event('order.placed.v1', {
      orderId: 'o-1',
      items: [{ sku: 'coffee', qty: 1 }],
      total: 500,
      currency: 'JPY',
    }),
    event('inventory.reserved.v1', { orderId: 'o-1' }),
    event('payment.charged.v1', { orderId: 'o-1', paymentId: 'p-1', amount: 500, currency: 'JPY' }),
    event('inventory.released.v1', { orderId: 'o-1' }),
    event('payment.refunded.v1', { orderId: 'o-1' }),
    event('payment.refunded.v1', { orderId: 'o-1', paymentId: 'p-1' }),
    event('payment.refunded.v1', { orderId: 'o-1', paymentId: 'p-1' }, 'mini-ec/payment'),
    event('inventory.released.v1', { orderId: 'o-1' }, 'mini-ec/inventory'),
    event('order.confirmed.v1', {
      orderId: 'o-1',
      total: 500,
      currency: 'JPY',
      items: [{ sku: 'coffee', qty: 1 }],
      noShip: [],
    }),
    event('order.failed.v1', { orderId: 'o-1', reason: 'GAVE_UP' }),
    event('shipping.requested.v1', {
      orderId: 'o-1',
      shipmentId: 'shp-1',
      items: [{ sku: 'coffee', qty: 1 }],
    }),
    event('shipping.failed.v1', { orderId: 'o-1', reason: 'SKU_CANNOT_SHIP', skus: ['piano'] }),
    event('shipping.failed.v1', { orderId: 'o-1', reason: 'GAVE_UP' }),
    event('order.cancelled.v1', { orderId: 'o-1', reason: 'SHIPPING_FAILED' }),
  ];

  it.each(valid.map((e) => [e.type, e]))('accepts a valid %s', (_type, e) => {
    expect(() => assertValidCloudEvent(e)).not.toThrow();
  });

  it('rejects an event type that is not documented', () => {
    expect(() => assertValidCloudEvent(event('order.shipped.v1', { orderId: 'o-1' }))).toThrow(
      /"order.shipped.v1" is not documented .*order.placed.v1/,
    );
  });

  it('rejects an event whose source is not the service that writes its type', () => {
    const fromWorker = { ...valid[0], source: 'mini-ec/worker' };
    expect(() => assertValidCloudEvent(fromWorker)).toThrow(
      /order.placed.v1 does not match .*OrderPlaced: \/source must be equal to constant "mini-ec\/api"/,
    );
  });

  it('rejects a compensation from a service that does not write it (two producers, no third)', () => {
    expect(() =>
      assertValidCloudEvent(event('payment.refunded.v1', { orderId: 'o-1' }, 'mini-ec/inventory')),
    ).toThrow(
      /payment.refunded.v1 does not match .*PaymentRefunded: \/source must be equal to one of the allowed values \["mini-ec\/worker","mini-ec\/payment"\]/,
    );
  });

  it('rejects a confirmed order without what shipping needs, and a failed shipment with an unknown reason', () => {
    const confirmed = event('order.confirmed.v1', { orderId: 'o-1', total: 500, currency: 'JPY' });
    const failed = event('shipping.failed.v1', { orderId: 'o-1', reason: 'LOST', skus: [] });

    expect(() => assertValidCloudEvent(confirmed)).toThrow(
      /\/data must have required property 'items'.*\/data must have required property 'noShip'/,
    );
    expectThrowMatchingAll(
      () => assertValidCloudEvent(failed),
      [
        /\/data\/reason must be equal to one of the allowed values/,
        /\/data\/skus must NOT have fewer than 1 items/,
      ],
    );
  });

  it('rejects something that is not an event at all', () => {
    expect(() => assertValidCloudEvent('order.placed.v1')).toThrow(/not a CloudEvent/);
  });

  it('rejects a missing envelope attribute or extension', () => {
    const { correlationid: _, ...withoutCorrelation } = event('inventory.reserved.v1', {
      orderId: 'o-1',
    });

    expect(() => assertValidCloudEvent(withoutCorrelation)).toThrow(
      /must have required property 'correlationid'/,
    );
  });

  it('rejects a wrong specversion, a non date-time time, and an extension name that is not lowercase alphanumerics', () => {
    const bad = {
      ...event('inventory.reserved.v1', { orderId: 'o-1' }),
      specversion: '0.3',
      time: '22/11/2025',
      correlationId: 'cid-1',
    };

    expectThrowMatchingAll(
      () => assertValidCloudEvent(bad),
      [
        /\/specversion must be equal to constant "1.0"/,
        /\/time must match format "date-time"/,
        /property name "correlationId" must match pattern/,
      ],
    );
  });

  it("rejects data that does not match its type's payload", () => {
    const bad = event('payment.charged.v1', { orderId: 'o-1', amount: '500', currency: 'JPY' });

    expect(() => assertValidCloudEvent(bad)).toThrow(
      /\/data must have required property 'paymentId'.*\/data\/amount must be integer/,
    );
  });

  it('rejects a data field the contract does not know (a renamed field shows up)', () => {
    const bad = event('order.confirmed.v1', {
      orderId: 'o-1',
      amount: 500,
      currency: 'JPY',
      items: [{ sku: 'coffee', qty: 1 }],
      noShip: [],
    });

    expect(() => assertValidCloudEvent(bad)).toThrow(/additional properties "amount"/);
  });
});

describe('assertValidQueueMessage', () => {
  const placed = event('order.placed.v1', {
    orderId: 'o-1',
    items: [{ sku: 'coffee', qty: 1 }],
    total: 500,
    currency: 'JPY',
  });
  const attributes = (eventId = 'e-1') => ({
    type: { DataType: 'String', StringValue: 'order.placed.v1' },
    source: { DataType: 'String', StringValue: 'mini-ec/api' },
    id: { DataType: 'String', StringValue: eventId },
    correlationid: { DataType: 'String', StringValue: 'cid-1' },
  });

  it('accepts a message whose attributes repeat its event', () => {
    expect(() =>
      assertValidQueueMessage({ body: JSON.stringify(placed), messageAttributes: attributes() }),
    ).not.toThrow();
  });

  it('rejects missing or disagreeing attributes', () => {
    const { correlationid: _, ...partial } = attributes('e-2');

    expect(() =>
      assertValidQueueMessage({ body: JSON.stringify(placed), messageAttributes: partial }),
    ).toThrow(/attribute id is "e-2", the event says "e-1"; attribute correlationid is missing/);
  });

  it("rejects a message whose source attribute is missing or is not the event's (subscriptions filter on it)", () => {
    const { source: _, ...withoutSource } = attributes();
    const otherSource = {
      ...attributes(),
      source: { DataType: 'String', StringValue: 'mini-ec/worker' },
    };

    expect(() =>
      assertValidQueueMessage({ body: JSON.stringify(placed), messageAttributes: withoutSource }),
    ).toThrow(/attribute source is missing/);
    expect(() =>
      assertValidQueueMessage({ body: JSON.stringify(placed), messageAttributes: otherSource }),
    ).toThrow(/attribute source is "mini-ec\/worker", the event says "mini-ec\/api"/);
  });
});

describe('assertValidCommand and assertValidReply', () => {
  it('accept the four commands and their documented replies', () => {
    const commands = [
      {
        command: 'reserve',
        orderId: 'o-1',
        items: [{ sku: 'coffee', qty: 1 }],
        correlationId: 'c',
      },
      { command: 'release', orderId: 'o-1', correlationId: 'c' },
      { command: 'charge', orderId: 'o-1', amount: 500, currency: 'JPY', correlationId: 'c' },
      { command: 'refund', orderId: 'o-1', correlationId: 'c' },
    ];
    for (const command of commands) expect(() => assertValidCommand(command)).not.toThrow();
    expect(() => assertValidReply('reserve', { outcome: 'RESERVED' })).not.toThrow();
    expect(() =>
      assertValidReply('release', { outcome: 'REJECTED', reason: 'RESERVATION_RELEASED' }),
    ).not.toThrow();
    expect(() =>
      assertValidReply('charge', { outcome: 'CHARGED', paymentId: 'p-1' }),
    ).not.toThrow();
    expect(() =>
      assertValidReply('refund', { outcome: 'REJECTED', reason: 'PAYMENT_VOIDED' }),
    ).not.toThrow();
  });

  it('reject an unknown command, a command without its correlation ID, and a reply of the wrong participant', () => {
    expect(() => assertValidCommand({ command: 'ship', orderId: 'o-1' })).toThrow(
      /not a documented command/,
    );
    expect(() => assertValidCommand({ command: 'refund', orderId: 'o-1' })).toThrow(
      /must have required property 'correlationId'/,
    );
    expect(() => assertValidReply('reserve', { outcome: 'CHARGED', paymentId: 'p-1' })).toThrow(
      /reply to reserve does not match/,
    );
  });
});
