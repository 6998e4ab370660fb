/**
 * The api handler on a real DynamoDB Local, called with real-shaped API Gateway v2 and v1
 * events: the HTTP contract, Idempotency-Key semantics, the outbox written with the order, and
 * nothing written for a rejected request.
 */
import { PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertMatchesOpenApi } from '../../proof/contracts.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';
import {
  type HttpRequest,
  httpApiV2Event,
  lambdaContext,
  restApiV1Event,
} from '../support/http-events.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

let dynamo: LocalDynamo;
let ordersTable: string;
let handler: Handler;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  ordersTable = await dynamo.createTable('orders');
  process.env.ORDERS_TABLE_NAME = ordersTable;
  process.env.CURRENCY = 'JPY';
  process.env.POWERTOOLS_SERVICE_NAME = 'api';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'api';
  ({ handler } = (await import('../../lambdas/api/handler.js')) as { handler: Handler });
  for (const [sku, price] of [
    ['coffee', 500],
    ['mug', 1200],
    ['tea', 300],
  ] as const) {
    await dynamo.db.send(
      new PutCommand({
        TableName: ordersTable,
        Item: { pk: `CATALOG#${sku}`, sk: 'CATALOG', kind: 'CATALOG', sku, price },
      }),
    );
  }
});
afterAll(async () => {
  await dynamo?.stop();
});

async function call(request: HttpRequest, version: 'v1' | 'v2' = 'v2'): Promise<Answer> {
  const event = version === 'v2' ? httpApiV2Event(request) : restApiV1Event(request);
  const result = (await handler(event, lambdaContext('api'))) as {
    statusCode: number;
    headers?: Record<string, string>;
    multiValueHeaders?: Record<string, string[]>;
    body?: string;
  };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  for (const [k, v] of Object.entries(result.multiValueHeaders ?? {}))
    headers[k.toLowerCase()] = v.join(',');
  return { status: result.statusCode, headers, body: result.body ? JSON.parse(result.body) : {} };
}

const post = (body: unknown, headers: Record<string, string> = {}, version: 'v1' | 'v2' = 'v2') =>
  call(
    {
      method: 'POST',
      path: '/orders',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    version,
  );

let keyCounter = 0;
const freshKey = () => `key-${process.pid}-${Date.now()}-${++keyCounter}`;

async function itemCount(table: string): Promise<number> {
  const { Items } = await dynamo.db.send(
    new ScanCommand({ TableName: table, ConsistentRead: true }),
  );
  return (Items ?? []).filter((item) => item.kind !== 'CATALOG').length;
}

describe('POST /orders', () => {
  it('accepts an order: 202 PENDING, Location, the sent correlation ID, and the order priced from the catalog', async () => {
    const answer = await post(
      {
        items: [
          { sku: 'coffee', qty: 2 },
          { sku: 'mug', qty: 1, price: 1200 },
        ],
      },
      {
        'Idempotency-Key': freshKey(),
        'X-Correlation-Id': 'cid-test-001',
      },
    );

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      orderId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      status: 'PENDING',
      correlationId: 'cid-test-001',
    });
    expect(answer.headers.location).toBe(`/orders/${answer.body.orderId}`);
    expect(answer.headers['x-correlation-id']).toBe('cid-test-001');
    expect(answer.headers['idempotent-replayed']).toBeUndefined();
    assertMatchesOpenApi({
      method: 'post',
      path: '/orders',
      status: answer.status,
      headers: answer.headers,
      body: answer.body,
    });

    const order = await call({ method: 'GET', path: `/orders/${answer.body.orderId}` });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      orderId: answer.body.orderId,
      status: 'PENDING',
      total: 2 * 500 + 1200,
      currency: 'JPY',
      correlationId: 'cid-test-001',
    });
    expect(order.body.items).toEqual([
      { sku: 'coffee', qty: 2, price: 500 },
      { sku: 'mug', qty: 1, price: 1200 },
    ]);
    assertMatchesOpenApi({
      method: 'get',
      path: '/orders/{id}',
      status: order.status,
      headers: order.headers,
      body: order.body,
    });
  });

  it('writes the order.placed.v1 event with the order, readable as the timeline', async () => {
    const answer = await post(
      { items: [{ sku: 'tea', qty: 3 }] },
      { 'Idempotency-Key': freshKey(), 'X-Correlation-Id': 'cid-events' },
    );

    const events = await call({ method: 'GET', path: `/orders/${answer.body.orderId}/events` });

    expect(events.status).toBe(200);
    expect(events.body.events).toEqual([
      expect.objectContaining({
        specversion: '1.0',
        type: 'order.placed.v1',
        source: 'mini-ec/api',
        subject: answer.body.orderId,
        correlationid: 'cid-events',
        sagaid: answer.body.orderId,
        data: {
          orderId: answer.body.orderId,
          items: [{ sku: 'tea', qty: 3 }],
          total: 900,
          currency: 'JPY',
        },
      }),
    ]);
    assertMatchesOpenApi({
      method: 'get',
      path: '/orders/{id}/events',
      status: events.status,
      headers: events.headers,
      body: events.body,
    });
  });

  it('generates a correlation ID when the sent one is not a sane token', async () => {
    const answer = await post(
      { items: [{ sku: 'coffee', qty: 1 }] },
      { 'Idempotency-Key': freshKey(), 'X-Correlation-Id': 'has spaces <script>' },
    );

    expect(answer.status).toBe(202);
    expect(answer.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['x-correlation-id']).toBe(answer.body.correlationId);
  });

  it('works the same behind a REST API (v1 events)', async () => {
    const answer = await post(
      { items: [{ sku: 'coffee', qty: 1 }] },
      { 'Idempotency-Key': freshKey(), 'X-Correlation-Id': 'cid-v1' },
      'v1',
    );
    const order = await call({ method: 'GET', path: `/orders/${answer.body.orderId}` }, 'v1');

    expect(answer.status).toBe(202);
    expect(answer.headers.location).toBe(`/orders/${answer.body.orderId}`);
    expect(answer.headers['x-correlation-id']).toBe('cid-v1');
    expect(order.body).toMatchObject({ status: 'PENDING', total: 500 });
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, with Idempotent-Replayed, and creates one order', async () => {
    const key = freshKey();
    const body = {
      items: [
        { sku: 'coffee', qty: 1 },
        { sku: 'tea', qty: 1 },
      ],
    };
    const first = await post(body, { 'Idempotency-Key': key, 'X-Correlation-Id': 'cid-first' });
    const before = await itemCount(ordersTable);

    const second = await post(
      { items: [...body.items].reverse() },
      { 'Idempotency-Key': key, 'X-Correlation-Id': 'cid-second' },
    );

    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['x-correlation-id']).toBe('cid-second');
    expect(await itemCount(ordersTable)).toBe(before);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const key = freshKey();
    await post({ items: [{ sku: 'coffee', qty: 1 }] }, { 'Idempotency-Key': key });

    const answer = await post({ items: [{ sku: 'coffee', qty: 2 }] }, { 'Idempotency-Key': key });

    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });

  it('creates one order from concurrent requests with one key; every other one replays it', async () => {
    const key = freshKey();
    const before = await itemCount(ordersTable);

    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        post({ items: [{ sku: 'mug', qty: 1 }] }, { 'Idempotency-Key': key }),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((a) => a.body.orderId)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
    expect(await itemCount(ordersTable)).toBe(before + 3); // order, its event, its guard
  });

  it('of concurrent requests with one key and two bodies, one creates the order and the other body gets 422', async () => {
    const key = freshKey();

    const [one, other] = await Promise.all([
      post({ items: [{ sku: 'mug', qty: 1 }] }, { 'Idempotency-Key': key }),
      post({ items: [{ sku: 'mug', qty: 2 }] }, { 'Idempotency-Key': key }),
    ]);

    expect([one.status, other.status].sort()).toEqual([202, 422]);
    expect([one, other].find((a) => a.status === 422)?.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('replays the first answer even after the catalog changed (unknown sku now, other price)', async () => {
    const key = freshKey();
    await dynamo.db.send(
      new PutCommand({
        TableName: ordersTable,
        Item: { pk: 'CATALOG#limited', sk: 'CATALOG', kind: 'CATALOG', sku: 'limited', price: 800 },
      }),
    );
    const body = { items: [{ sku: 'limited', qty: 1, price: 800 }] };
    const first = await post(body, { 'Idempotency-Key': key });
    await dynamo.db.send(
      new UpdateCommand({
        TableName: ordersTable,
        Key: { pk: 'CATALOG#limited', sk: 'CATALOG' },
        UpdateExpression: 'SET price = :p',
        ExpressionAttributeValues: { ':p': 900 },
      }),
    );

    const replay = await post(body, { 'Idempotency-Key': key });
    const otherKey = await post(body, { 'Idempotency-Key': freshKey() });

    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.body.orderId).toBe(first.body.orderId);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(otherKey.status).toBe(422);
    expect(otherKey.body.code).toBe('PRICE_MISMATCH');
  });

  it('frees a key whose guard expired (24 h): the same key then makes a new order', async () => {
    const key = freshKey();
    const first = await post({ items: [{ sku: 'tea', qty: 2 }] }, { 'Idempotency-Key': key });
    const { Items } = await dynamo.db.send(
      new ScanCommand({
        TableName: ordersTable,
        ConsistentRead: true,
        FilterExpression: 'kind = :guard AND orderId = :order',
        ExpressionAttributeValues: { ':guard': 'IDEMPOTENCY_GUARD', ':order': first.body.orderId },
      }),
    );
    const [guard] = Items ?? [];
    expect(guard?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 24 * 3600 - 60);
    expect(guard?.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 24 * 3600);
    const live = await post({ items: [{ sku: 'tea', qty: 2 }] }, { 'Idempotency-Key': key });
    await dynamo.db.send(
      new UpdateCommand({
        TableName: ordersTable,
        Key: { pk: guard?.pk, sk: guard?.sk },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );

    const after = await post({ items: [{ sku: 'tea', qty: 5 }] }, { 'Idempotency-Key': key });

    expect(live.body.orderId).toBe(first.body.orderId);
    expect(after.status).toBe(202);
    expect(after.body.orderId).not.toBe(first.body.orderId);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
  });

  it.each([
    [{}, 'IDEMPOTENCY_KEY_MISSING'],
    [{ 'Idempotency-Key': 'k'.repeat(256) }, 'IDEMPOTENCY_KEY_INVALID'],
    [{ 'Idempotency-Key': 'tab\tinside' }, 'IDEMPOTENCY_KEY_INVALID'],
  ])('rejects POST without a valid key (%j) with 400 %s', async (headers, code) => {
    const answer = await post({ items: [{ sku: 'coffee', qty: 1 }] }, headers);

    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe(code);
  });
});

describe('rejected requests', () => {
  let before: number;
  beforeEach(async () => {
    before = await itemCount(ordersTable);
  });
  const nothingWritten = async () => {
    expect(await itemCount(ordersTable)).toBe(before);
  };

  it.each([
    [
      'an unknown sku',
      {
        items: [
          { sku: 'coffee', qty: 1 },
          { sku: 'caviar', qty: 1 },
        ],
      },
      422,
      'UNKNOWN_SKU',
    ],
    [
      'a price that is not the catalog price',
      { items: [{ sku: 'coffee', qty: 1, price: 1 }] },
      422,
      'PRICE_MISMATCH',
    ],
    ['a quantity above 1000', { items: [{ sku: 'coffee', qty: 1001 }] }, 400, 'VALIDATION_FAILED'],
    [
      'a duplicated sku',
      {
        items: [
          { sku: 'coffee', qty: 1 },
          { sku: 'coffee', qty: 2 },
        ],
      },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an unknown property',
      { items: [{ sku: 'coffee', qty: 1 }], coupon: 'FREE' },
      400,
      'VALIDATION_FAILED',
    ],
    ['malformed JSON', '{"items": [', 400, 'MALFORMED_JSON'],
    [
      'a __proto__ key',
      '{"items":[{"sku":"coffee","qty":1}],"__proto__":{"admin":true}}',
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a body over 16 KiB',
      JSON.stringify({ items: [{ sku: 'coffee', qty: 1 }], pad: 'x'.repeat(17_000) }),
      413,
      'BODY_TOO_LARGE',
    ],
  ])(
    'rejects %s with %i %s, writes nothing, and echoes the correlation ID',
    async (_what, body, status, code) => {
      const answer = await post(body, {
        'Idempotency-Key': freshKey(),
        'X-Correlation-Id': 'cid-rejected',
      });

      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({
        status,
        code,
        type: expect.stringMatching(/^https:\/\/mini-ec\.dev\/problems\//),
      });
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.headers['x-correlation-id']).toBe('cid-rejected');
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      assertMatchesOpenApi({
        method: 'post',
        path: '/orders',
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
      });
      await nothingWritten();
    },
  );
});

describe('GET /orders/{id}', () => {
  it('answers 404 ORDER_NOT_FOUND for an unknown id and for an id that is not an order id', async () => {
    const unknown = await call({
      method: 'GET',
      path: '/orders/01JD3V6Q8R0M2Y4K7T9W1X5Z3C',
      headers: { 'X-Correlation-Id': 'cid-404' },
    });
    const malformed = await call({ method: 'GET', path: '/orders/not-an-id/events' });

    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ORDER_NOT_FOUND');
    expect(unknown.headers['x-correlation-id']).toBe('cid-404');
    expect(malformed.status).toBe(404);
    expect(malformed.body.code).toBe('ORDER_NOT_FOUND');
    assertMatchesOpenApi({
      method: 'get',
      path: '/orders/{id}',
      status: unknown.status,
      headers: unknown.headers,
      body: unknown.body,
    });
  });

  it('answers 405 for another method on a known path and 404 NOT_FOUND for an unknown path', async () => {
    const wrongMethod = await call({
      method: 'DELETE',
      path: '/orders/01JD3V6Q8R0M2Y4K7T9W1X5Z3C',
    });
    const unknownPath = await call({ method: 'GET', path: '/carts' });

    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.body.code).toBe('NOT_FOUND');
  });
});

describe('the outbox transaction', () => {
  const newOrder = async (orderId: string, keyHash: string) => {
    const { buildEvent } = await import('../../lambdas/shared/events.js');
    const at = new Date().toISOString();
    return {
      order: {
        orderId,
        status: 'PENDING' as const,
        total: 500,
        currency: 'JPY',
        items: [{ sku: 'coffee', qty: 1, price: 500 }],
        correlationId: 'cid-tx',
        sagaId: orderId,
        createdAt: at,
        updatedAt: at,
      },
      event: buildEvent({
        type: 'order.placed.v1',
        source: 'mini-ec/api',
        orderId,
        correlationId: 'cid-tx',
        sagaId: orderId,
        data: { orderId, items: [{ sku: 'coffee', qty: 1 }], total: 500, currency: 'JPY' },
      }),
      guard: { keyHash, orderId, requestHash: 'h', expiresAt: Math.floor(Date.now() / 1000) + 60 },
    };
  };
  const itemsOf = async (orderId: string) => {
    const { Items } = await dynamo.db.send(
      new ScanCommand({
        TableName: ordersTable,
        ConsistentRead: true,
        FilterExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      }),
    );
    return Items ?? [];
  };

  it('writes neither the order nor its event when the guard conflicts', async () => {
    const { DynamoOrderStore } = await import('../../lambdas/api/order-store.js');
    const { IdempotencyGuardExistsError } = await import('../../lambdas/api/errors.js');
    const { newOrderId } = await import('../../lambdas/shared/ids.js');
    const store = new DynamoOrderStore(dynamo.db, ordersTable);
    await dynamo.db.send(
      new PutCommand({
        TableName: ordersTable,
        Item: {
          pk: 'IDEMPOTENCY#taken',
          sk: 'GUARD',
          kind: 'IDEMPOTENCY_GUARD',
          orderId: 'other',
          requestHash: 'x',
        },
      }),
    );
    const orderId = newOrderId();

    await expect(store.createOrder(await newOrder(orderId, 'taken'))).rejects.toBeInstanceOf(
      IdempotencyGuardExistsError,
    );

    expect(await itemsOf(orderId)).toEqual([]);
  });

  it('writes neither the order nor its guard when the event item cannot be written', async () => {
    const { DynamoOrderStore } = await import('../../lambdas/api/order-store.js');
    const { newOrderId } = await import('../../lambdas/shared/ids.js');
    const store = new DynamoOrderStore(dynamo.db, ordersTable);
    const orderId = newOrderId();
    await dynamo.db.send(
      new PutCommand({
        TableName: ordersTable,
        Item: { pk: `ORDER#${orderId}`, sk: 'EVENT#order.placed.v1', kind: 'EVENT' },
      }),
    );

    await expect(store.createOrder(await newOrder(orderId, `fresh-${orderId}`))).rejects.toThrow();

    expect((await itemsOf(orderId)).map((item) => item.sk)).toEqual(['EVENT#order.placed.v1']);
    expect(await store.getGuard(`fresh-${orderId}`)).toBeUndefined();
  });
});
