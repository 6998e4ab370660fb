/**
 * The choreography's handlers on real queues (fauxqs) and DynamoDB Local: shipping reacts to
 * order.confirmed.v1, payment refunds on shipping.failed.v1, inventory releases on payment's
 * payment.refunded.v1, and the order service records those facts and cancels the order once
 * both compensations are there. Each is idempotent per order: a repeated or replayed fact
 * changes nothing and writes no second event.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEvent,
  type CloudEvent,
  type EventData,
  type EventType,
} from '../../lambdas/shared/events.js';
import type { LocalDynamo } from '../support/ddb.js';
import { type FunctionWorld, startFunctionWorld } from '../support/function-world.js';
import { lambdaContext } from '../support/http-events.js';
import { sqsRecordOf } from '../support/sqs.js';

type SqsHandler = (
  event: SQSEvent,
  context: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

let world: FunctionWorld;
let dynamo: LocalDynamo;
let sqsClient: SQSClient;
let queueUrl: string;
let tables: FunctionWorld['tables'];
const handlers = {} as Record<'worker' | 'shipping' | 'payment' | 'inventory', SqsHandler>;

beforeAll(async () => {
  world = await startFunctionWorld();
  ({ dynamo, tables } = world);
  queueUrl = world.sqs.createQueue('facts').queueUrl;
  Object.assign(process.env, world.env, {
    ORDERS_QUEUE_URL: queueUrl,
    SHIPPING_QUEUE_URL: queueUrl,
  });
  // Imported once the environment is set: each handler reads its configuration at load.
  const modules = await Promise.all([
    import('../../lambdas/worker/handler.js'),
    import('../../lambdas/shipping/handler.js'),
    import('../../lambdas/payment/handler.js'),
    import('../../lambdas/inventory/handler.js'),
  ]);
  const [worker, shipping, payment, inventory] = modules.map(
    (m) => (m as unknown as { handler: SqsHandler }).handler,
  ) as SqsHandler[];
  Object.assign(handlers, { worker, shipping, payment, inventory });
  sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  sqsClient?.destroy();
  await world?.stop();
});

/** Sends the events to the queue and receives them back as the SQS event source delivers them. */
async function deliver(...events: object[]): Promise<SQSEvent> {
  for (const event of events)
    await sqsClient.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }),
    );
  const records: SQSRecord[] = [];
  while (records.length < events.length) {
    const { Messages = [] } = await sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const m of Messages) records.push(sqsRecordOf(m, 'facts'));
  }
  return { Records: records };
}

async function run(name: keyof typeof handlers, ...events: object[]) {
  const answer = await handlers[name](await deliver(...events), lambdaContext(name, 30_000));
  return answer.batchItemFailures;
}

let n = 0;
function newOrderId(): string {
  n += 1;
  return `01CHOREOTEST${String(n).padStart(14, '0')}`;
}

function fact<T extends EventType>(
  type: T,
  source: string,
  orderId: string,
  data: EventData[T],
): CloudEvent<T> {
  return buildEvent({
    type,
    source,
    orderId,
    correlationId: `cid-${orderId}`,
    sagaId: orderId,
    data,
  });
}

const confirmedEvent = (orderId: string, noShip: string[] = []) =>
  fact('order.confirmed.v1', 'mini-ec/worker', orderId, {
    orderId,
    total: 500,
    currency: 'JPY',
    items: [
      { sku: 'mug', qty: 1 },
      { sku: 'piano', qty: 1 },
    ],
    noShip,
  });

const get = async (table: string, pk: string, sk: string) =>
  (
    await dynamo.db.send(
      new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }),
    )
  ).Item;
/** The outbox (or timeline) items under a partition key: sk EVENT#…. */
async function eventItems(table: string, pk: string) {
  const { Items = [] } = await dynamo.db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': pk, ':e': 'EVENT#' },
      ConsistentRead: true,
    }),
  );
  return Items;
}

describe('shipping', () => {
  it('creates one shipment and one shipping.requested.v1 for a confirmed order, however often and in whatever order the event comes', async () => {
    const orderId = newOrderId();
    const confirmed = confirmedEvent(orderId);

    const failures = await run('shipping', confirmed);
    const first = await get(tables.shipments, `SHIPMENT#${orderId}`, 'SHIPMENT');
    const [firstEvent] = await eventItems(tables.shipments, `SHIPMENT#${orderId}`);
    const again = await run('shipping', confirmed, confirmed, confirmed);

    expect([...failures, ...again]).toEqual([]);
    const shipment = await get(tables.shipments, `SHIPMENT#${orderId}`, 'SHIPMENT');
    expect(shipment).toEqual(first);
    expect(shipment).toMatchObject({
      kind: 'SHIPMENT',
      status: 'REQUESTED',
      causationId: confirmed.id,
      items: confirmed.data.items,
    });
    const outbox = await eventItems(tables.shipments, `SHIPMENT#${orderId}`);
    expect(outbox.map((item) => [item.kind, item.type])).toEqual([
      ['EVENT', 'shipping.requested.v1'],
    ]);
    expect(outbox[0]?.event.id).toBe(firstEvent?.event.id);
    expect(outbox[0]?.event).toMatchObject({
      source: 'mini-ec/shipping',
      correlationid: confirmed.correlationid,
      data: { orderId, shipmentId: shipment?.shipmentId, items: confirmed.data.items },
    });
  });

  it('fails the shipment for good, with shipping.failed.v1 naming the skus, when a sku cannot ship', async () => {
    const orderId = newOrderId();

    const failures = await run('shipping', confirmedEvent(orderId, ['piano']));

    expect(failures).toEqual([]);
    expect(await get(tables.shipments, `SHIPMENT#${orderId}`, 'SHIPMENT')).toMatchObject({
      status: 'FAILED',
      reason: 'SKU_CANNOT_SHIP',
    });
    const [item] = await eventItems(tables.shipments, `SHIPMENT#${orderId}`);
    expect(item?.event).toMatchObject({
      type: 'shipping.failed.v1',
      data: { orderId, reason: 'SKU_CANNOT_SHIP', skus: ['piano'] },
    });
  });

  it('reports a message that is not an order.confirmed.v1 event, and writes nothing', async () => {
    const orderId = newOrderId();
    const placed = fact('order.placed.v1', 'mini-ec/api', orderId, {
      orderId,
      items: [{ sku: 'mug', qty: 1 }],
      total: 500,
      currency: 'JPY',
    });

    const failures = await run('shipping', placed);

    expect(failures).toHaveLength(1);
    expect(await get(tables.shipments, `SHIPMENT#${orderId}`, 'SHIPMENT')).toBeUndefined();
  });
});

describe('compensation of a failed shipment', () => {
  /** A CONFIRMED order with its reservation and charge, as the saga leaves it. */
  async function confirmedOrder(orderId: string, sku: string) {
    const now = new Date().toISOString();
    const put = (table: string, item: Record<string, unknown>) =>
      dynamo.db.send(new PutCommand({ TableName: table, Item: item }));
    await Promise.all([
      put(tables.orders, {
        pk: `ORDER#${orderId}`,
        sk: 'ORDER',
        kind: 'ORDER',
        orderId,
        status: 'CONFIRMED',
        total: 500,
        currency: 'JPY',
        items: [{ sku, qty: 2, price: 250 }],
        correlationId: `cid-${orderId}`,
        createdAt: now,
        updatedAt: now,
      }),
      put(tables.inventory, {
        pk: `SKU#${sku}`,
        sk: 'STOCK',
        kind: 'STOCK',
        sku,
        available: 3,
        reserved: 2,
      }),
      put(tables.inventory, {
        pk: `RESERVATION#${orderId}`,
        sk: 'RESERVATION',
        kind: 'RESERVATION',
        orderId,
        status: 'RESERVED',
        items: [{ sku, qty: 2 }],
      }),
      put(tables.payments, {
        pk: `PAYMENT#${orderId}`,
        sk: 'PAYMENT',
        kind: 'PAYMENT',
        orderId,
        paymentId: `pay-${orderId}`,
        status: 'CHARGED',
        amount: 500,
        currency: 'JPY',
      }),
    ]);
  }

  it('payment refunds and records payment.refunded.v1 once; inventory releases on it and records inventory.released.v1 once', async () => {
    const orderId = newOrderId();
    const sku = `c-sku-${orderId}`;
    await confirmedOrder(orderId, sku);
    const failed = fact('shipping.failed.v1', 'mini-ec/shipping', orderId, {
      orderId,
      reason: 'SKU_CANNOT_SHIP',
      skus: [sku],
    });

    expect(await run('payment', failed, failed)).toEqual([]);
    const [refundItem, ...moreRefunds] = await eventItems(tables.payments, `PAYMENT#${orderId}`);
    const refunded = refundItem?.event as CloudEvent<'payment.refunded.v1'>;
    expect(await run('inventory', refunded, refunded)).toEqual([]);

    expect(moreRefunds).toEqual([]);
    expect(refunded).toMatchObject({
      type: 'payment.refunded.v1',
      source: 'mini-ec/payment',
      correlationid: failed.correlationid,
      data: { orderId, paymentId: `pay-${orderId}` },
    });
    expect(await get(tables.payments, `PAYMENT#${orderId}`, 'PAYMENT')).toMatchObject({
      status: 'REFUNDED',
    });
    expect(await get(tables.inventory, `RESERVATION#${orderId}`, 'RESERVATION')).toMatchObject({
      status: 'RELEASED',
    });
    expect(await get(tables.inventory, `SKU#${sku}`, 'STOCK')).toMatchObject({
      available: 5,
      reserved: 0,
    });
    const released = await eventItems(tables.inventory, `RESERVATION#${orderId}`);
    expect(released.map((item) => [item.type, item.event.source])).toEqual([
      ['inventory.released.v1', 'mini-ec/inventory'],
    ]);
  });

  it('the order service shows the shipment, keeps every fact once on the timeline, and cancels the order once both compensations are recorded, in either order', async () => {
    for (const compensationsFirst of ['payment.refunded.v1', 'inventory.released.v1'] as const) {
      const orderId = newOrderId();
      await confirmedOrder(orderId, `o-sku-${orderId}`);
      const failed = fact('shipping.failed.v1', 'mini-ec/shipping', orderId, {
        orderId,
        reason: 'SKU_CANNOT_SHIP',
      });
      const refunded = fact('payment.refunded.v1', 'mini-ec/payment', orderId, { orderId });
      const released = fact('inventory.released.v1', 'mini-ec/inventory', orderId, { orderId });
      const [first, second] =
        compensationsFirst === 'payment.refunded.v1' ? [refunded, released] : [released, refunded];

      expect(await run('worker', failed, failed)).toEqual([]);
      const afterFailure = await get(tables.orders, `ORDER#${orderId}`, 'ORDER');
      expect(await run('worker', first)).toEqual([]);
      const afterFirst = await get(tables.orders, `ORDER#${orderId}`, 'ORDER');
      expect(await run('worker', second, first)).toEqual([]);
      const order = await get(tables.orders, `ORDER#${orderId}`, 'ORDER');

      expect(afterFailure).toMatchObject({
        status: 'CONFIRMED',
        shipment: { status: 'FAILED', reason: 'SKU_CANNOT_SHIP' },
      });
      expect(afterFirst?.status).toBe('CONFIRMED');
      expect(order).toMatchObject({ status: 'CANCELLED', reason: 'SHIPPING_FAILED' });
      const timeline = await eventItems(tables.orders, `ORDER#${orderId}`);
      expect(timeline.map((item) => [item.type, item.kind]).sort()).toEqual([
        ['inventory.released.v1', 'FACT'],
        ['order.cancelled.v1', 'EVENT'],
        ['payment.refunded.v1', 'FACT'],
        ['shipping.failed.v1', 'FACT'],
      ]);
      expect(timeline.find((item) => item.type === 'payment.refunded.v1')?.event.id).toBe(
        refunded.id,
      );
    }
  });

  it('the order service does not cancel an order whose shipment did not fail, whatever refund and release it hears of', async () => {
    const orderId = newOrderId();
    await confirmedOrder(orderId, `n-sku-${orderId}`);
    const refunded = fact('payment.refunded.v1', 'mini-ec/payment', orderId, { orderId });
    const released = fact('inventory.released.v1', 'mini-ec/inventory', orderId, { orderId });

    expect(await run('worker', refunded, released)).toEqual([]);

    expect(await get(tables.orders, `ORDER#${orderId}`, 'ORDER')).toMatchObject({
      status: 'CONFIRMED',
    });
    expect(
      await get(tables.orders, `ORDER#${orderId}`, 'EVENT#order.cancelled.v1'),
    ).toBeUndefined();
  });

  it('the order service shows a requested shipment on the order and leaves it CONFIRMED', async () => {
    const orderId = newOrderId();
    await confirmedOrder(orderId, `r-sku-${orderId}`);
    const requested = fact('shipping.requested.v1', 'mini-ec/shipping', orderId, {
      orderId,
      shipmentId: 'shp-1',
      items: [{ sku: 'mug', qty: 1 }],
    });

    expect(await run('worker', requested)).toEqual([]);

    expect(await get(tables.orders, `ORDER#${orderId}`, 'ORDER')).toMatchObject({
      status: 'CONFIRMED',
      shipment: { status: 'REQUESTED' },
    });
  });
});
