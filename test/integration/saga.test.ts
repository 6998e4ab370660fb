/**
 * The order saga end to end below the Lambda layer: orders placed by the api use case, run by
 * the worker's saga, with the real inventory and payment use cases, all on DynamoDB Local.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoOrderStore } from '../../lambdas/api/order-store.js';
import { PlaceOrder, ReadOrders } from '../../lambdas/api/use-cases.js';
import { DynamoInventoryStore } from '../../lambdas/inventory/inventory-store.js';
import { Inventory } from '../../lambdas/inventory/use-cases.js';
import { DynamoPaymentStore } from '../../lambdas/payment/payment-store.js';
import { Payments } from '../../lambdas/payment/use-cases.js';
import {
  buildEvent,
  EVENT_SOURCES,
  type EventData,
  type EventType,
} from '../../lambdas/shared/events.js';
import { catalogKey, paymentKey, stockKey } from '../../lambdas/shared/keys.js';
import { logger } from '../../lambdas/shared/powertools.js';
import { parsePlacedOrder } from '../../lambdas/worker/domain.js';
import { CompensationFailedError, TransientError } from '../../lambdas/worker/errors.js';
import { DynamoSagaOrderStore } from '../../lambdas/worker/order-store.js';
import { OrderSaga, type SagaInput } from '../../lambdas/worker/saga.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';
import { InProcessParticipants } from '../support/in-process-participants.js';

const PAYMENT_LIMIT = 10_000;
let dynamo: LocalDynamo;
let tables: { orders: string; inventory: string; payments: string };
let placeOrder: PlaceOrder;
let readOrders: ReadOrders;
let participants: InProcessParticipants;
let saga: OrderSaga;
let orderStore: DynamoSagaOrderStore;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  dynamo = await startLocalDynamo();
  tables = {
    orders: await dynamo.createTable('orders'),
    inventory: await dynamo.createTable('inventory'),
    payments: await dynamo.createTable('payments'),
  };
  const orderStore = new DynamoOrderStore(dynamo.db, tables.orders);
  placeOrder = new PlaceOrder(orderStore, 'JPY');
  readOrders = new ReadOrders(orderStore);
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(() => {
  participants = newParticipants();
  orderStore = new DynamoSagaOrderStore(dynamo.db, tables.orders);
  saga = newSaga(participants);
});

const newSaga = (port: InProcessParticipants) =>
  new OrderSaga(port, orderStore, { compensationAttempts: 3, compensationBackoffMs: 1 });
const newParticipants = () =>
  new InProcessParticipants(
    new Inventory(new DynamoInventoryStore(dynamo.db, tables.inventory)),
    new Payments(new DynamoPaymentStore(dynamo.db, tables.payments), PAYMENT_LIMIT),
  );

let skuCounter = 0;
/** A fresh sku with a catalog price and stock on hand. */
async function newSku(price: number, available: number): Promise<string> {
  skuCounter += 1;
  const sku = `sku-${skuCounter}`;
  await dynamo.db.send(
    new PutCommand({
      TableName: tables.orders,
      Item: { ...catalogKey(sku), kind: 'CATALOG', sku, price },
    }),
  );
  await dynamo.db.send(
    new PutCommand({
      TableName: tables.inventory,
      Item: { ...stockKey(sku), kind: 'STOCK', sku, available, reserved: 0 },
    }),
  );
  return sku;
}

/** Places an order through the api use case and returns the saga input its order.placed.v1 event carries. */
async function place(sku: string, qty: number, lastAttempt = false): Promise<SagaInput> {
  const { orderId } = await placeOrder.execute({
    idempotencyKey: `k-${sku}-${Math.random()}`,
    request: { items: [{ sku, qty }] },
    correlationId: `cid-${sku}`,
  });
  const [placed] = await readOrders.getEvents(orderId);
  const order = parsePlacedOrder(placed?.data);
  if (!placed || !order) throw new Error('no order.placed.v1 event');
  return { order, correlationId: placed.correlationid, sagaId: placed.sagaid, lastAttempt };
}

const stockOf = async (sku: string) => {
  const { Item } = await dynamo.db.send(
    new GetCommand({ TableName: tables.inventory, Key: stockKey(sku), ConsistentRead: true }),
  );
  return { available: Item?.available, reserved: Item?.reserved };
};
const paymentOf = async (orderId: string) =>
  (
    await dynamo.db.send(
      new GetCommand({
        TableName: tables.payments,
        Key: paymentKey(orderId),
        ConsistentRead: true,
      }),
    )
  ).Item;
const eventTypes = async (orderId: string) =>
  (await readOrders.getEvents(orderId)).map((e) => e.type);

describe('order saga', () => {
  it('reserves, charges the total and confirms, writing each step as an event', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 2);

    const outcome = await saga.run(input, logger);

    expect(outcome).toEqual({ result: 'CONFIRMED' });
    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'CONFIRMED' });
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 2 });
    expect(await paymentOf(input.order.orderId)).toMatchObject({
      status: 'CHARGED',
      amount: 1000,
      currency: 'JPY',
    });
    expect(await eventTypes(input.order.orderId)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'payment.charged.v1',
      'order.confirmed.v1',
    ]);
    const events = await readOrders.getEvents(input.order.orderId);
    expect(new Set(events.map((e) => e.correlationid))).toEqual(new Set([input.correlationId]));
    expect(participants.sent.every((c) => c.correlationId === input.correlationId)).toBe(true);
  });

  it('fails OUT_OF_STOCK without charging', async () => {
    const sku = await newSku(500, 1);
    const input = await place(sku, 2);

    const outcome = await saga.run(input, logger);

    expect(outcome).toEqual({ result: 'FAILED', reason: 'OUT_OF_STOCK' });
    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
    });
    expect(participants.count('charge')).toBe(0);
    expect(await stockOf(sku)).toEqual({ available: 1, reserved: 0 });
    expect(await eventTypes(input.order.orderId)).toEqual(['order.placed.v1', 'order.failed.v1']);
  });

  it('releases the reservation when the payment is declined, then fails PAYMENT_DECLINED', async () => {
    const sku = await newSku(PAYMENT_LIMIT + 1, 3);
    const input = await place(sku, 1);

    const outcome = await saga.run(input, logger);

    expect(outcome).toEqual({ result: 'FAILED', reason: 'PAYMENT_DECLINED' });
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 0 });
    expect(await paymentOf(input.order.orderId)).toBeUndefined();
    expect(await eventTypes(input.order.orderId)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'inventory.released.v1',
      'order.failed.v1',
    ]);
  });

  it('does nothing for an order that is no longer PENDING (a repeated delivery charges nobody twice)', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1);
    await saga.run(input, logger);
    const commandsBefore = participants.sent.length;

    const again = await saga.run(input, logger);

    expect(again).toEqual({ result: 'SKIPPED', status: 'CONFIRMED' });
    expect(participants.sent.length).toBe(commandsBefore);
  });

  it('charges once when two deliveries of one order run at the same time', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1);

    const outcomes = await Promise.all([saga.run(input, logger), saga.run(input, logger)]);

    expect(
      outcomes.map((o) => o.result).filter((r) => r === 'CONFIRMED').length,
    ).toBeGreaterThanOrEqual(1);
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 1 });
    expect((await paymentOf(input.order.orderId))?.status).toBe('CHARGED');
    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'CONFIRMED' });
  });

  it('leaves the order PENDING on a transient failure before the last attempt, and the retry completes it without a second reservation', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1);
    participants.failNext.charge = 1;

    await expect(saga.run(input, logger)).rejects.toBeInstanceOf(TransientError);
    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'PENDING' });

    const retried = await saga.run(input, logger);

    expect(retried).toEqual({ result: 'CONFIRMED' });
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 1 });
    expect(participants.count('reserve')).toBe(2);
  });

  it('on the last attempt, compensates a transient failure (refund, release) and fails GAVE_UP', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 2, true);
    participants.failNext.charge = 1;

    const outcome = await saga.run(input, logger);

    expect(outcome).toEqual({ result: 'FAILED', reason: 'GAVE_UP' });
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0 });
    expect(await paymentOf(input.order.orderId)).toMatchObject({ status: 'VOIDED' });
    expect(await eventTypes(input.order.orderId)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'payment.refunded.v1',
      'inventory.released.v1',
      'order.failed.v1',
    ]);
  });

  it('retries a compensation in process before giving up on it', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1, true);
    participants.failNext.charge = 1;
    participants.failNext.release = 2;

    const outcome = await saga.run(input, logger);

    expect(outcome).toEqual({ result: 'FAILED', reason: 'GAVE_UP' });
    expect(participants.count('release')).toBe(3);
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0 });
  });

  it('with a deadline, keeps retrying a compensation until the deadline rather than a fixed count', async () => {
    const sku = await newSku(500, 5);
    const input = { ...(await place(sku, 1, true)), deadlineMs: Date.now() + 10_000 };
    participants.failNext.charge = 1;
    participants.failNext.release = 6;

    const outcome = await saga.run(input, logger);

    expect(outcome).toEqual({ result: 'FAILED', reason: 'GAVE_UP' });
    expect(participants.count('release')).toBe(7);
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0 });
  });

  it('with a deadline already past, tries a compensation once and leaves the order PENDING for the retry', async () => {
    const sku = await newSku(500, 5);
    const input = { ...(await place(sku, 1, true)), deadlineMs: Date.now() - 1 };
    participants.failNext.charge = 1;
    participants.failNext.refund = 1;

    await expect(saga.run(input, logger)).rejects.toBeInstanceOf(CompensationFailedError);

    expect(participants.count('refund')).toBe(1);
    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'PENDING' });
  });

  it('keeps the order PENDING (for the DLQ) when even the compensation keeps failing on the last attempt', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1, true);
    participants.failNext.charge = 1;
    participants.failNext.refund = 10;

    await expect(saga.run(input, logger)).rejects.toBeInstanceOf(CompensationFailedError);

    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'PENDING' });
    expect(participants.count('refund')).toBe(3);
  });
  it('once a delivery started failing the order, the next one compensates the same way and never confirms', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 2, true);
    // The first delivery reserves, fails to charge on its last attempt, marks the order
    // failing and then cannot refund: the order stays PENDING, marked, for the next delivery.
    const first = newParticipants();
    first.failNext.charge = 1;
    first.failNext.refund = 10;
    await expect(newSaga(first).run(input, logger)).rejects.toBeInstanceOf(CompensationFailedError);
    expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'PENDING' });
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 2 });

    const outcome = await saga.run({ ...input, lastAttempt: false }, logger);

    expect(outcome).toEqual({ result: 'FAILED', reason: 'GAVE_UP' });
    expect(participants.count('reserve')).toBe(0);
    expect(participants.count('charge')).toBe(0);
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0 });
    expect(await paymentOf(input.order.orderId)).toMatchObject({ status: 'VOIDED' });
    // The first delivery's reservation stays in the timeline: it was recorded with the mark.
    expect(await eventTypes(input.order.orderId)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'payment.refunded.v1',
      'inventory.released.v1',
      'order.failed.v1',
    ]);
  });

  it('finishes an order whose step events an earlier delivery recorded already, keeping one of each', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1);
    const { orderId } = input.order;
    const event = <T extends EventType>(type: T, data: EventData[T]) =>
      buildEvent({
        type,
        source: EVENT_SOURCES.worker,
        orderId,
        correlationId: input.correlationId,
        sagaId: input.sagaId,
        data,
      });
    const reserved = event('inventory.reserved.v1', { orderId });
    await orderStore.recordSteps([reserved]);
    await orderStore.recordSteps([reserved]);

    const finished = await orderStore.finish(orderId, {
      status: 'CONFIRMED',
      steps: [
        reserved,
        event('payment.charged.v1', {
          orderId,
          paymentId: 'pay-1',
          amount: input.order.total,
          currency: input.order.currency,
        }),
      ],
      event: event('order.confirmed.v1', {
        orderId,
        total: input.order.total,
        currency: input.order.currency,
        items: input.order.items,
        noShip: [],
      }),
    });

    expect(finished).toBe(true);
    expect(await readOrders.getOrder(orderId)).toMatchObject({ status: 'CONFIRMED' });
    expect(await eventTypes(orderId)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'payment.charged.v1',
      'order.confirmed.v1',
    ]);
  });

  it('a failing mark holds: the first plan wins, a failing order cannot be confirmed, a finished one cannot be marked', async () => {
    const sku = await newSku(500, 5);
    const input = await place(sku, 1);
    const { orderId } = input.order;
    const confirmed = {
      status: 'CONFIRMED' as const,
      steps: [],
      event: buildEvent({
        type: 'order.confirmed.v1',
        source: EVENT_SOURCES.worker,
        orderId,
        correlationId: input.correlationId,
        sagaId: input.sagaId,
        data: {
          orderId,
          total: input.order.total,
          currency: input.order.currency,
          items: input.order.items,
          noShip: [],
        },
      }),
    };

    const first = await orderStore.startFailing(orderId, {
      reason: 'GAVE_UP',
      compensate: ['refund', 'release'],
    });
    const second = await orderStore.startFailing(orderId, {
      reason: 'PAYMENT_DECLINED',
      compensate: ['release'],
    });
    const confirmedWhileFailing = await orderStore.finish(orderId, confirmed);

    expect(first).toEqual({ plan: { reason: 'GAVE_UP', compensate: ['refund', 'release'] } });
    expect(second).toEqual(first);
    expect(confirmedWhileFailing).toBe(false);
    expect(await readOrders.getOrder(orderId)).toMatchObject({ status: 'PENDING' });

    const done = await place(sku, 1);
    await saga.run(done, logger);
    expect(
      await orderStore.startFailing(done.order.orderId, {
        reason: 'GAVE_UP',
        compensate: ['release'],
      }),
    ).toEqual({ status: 'CONFIRMED' });
    expect(
      await orderStore.startFailing('no-such-order', {
        reason: 'GAVE_UP',
        compensate: ['release'],
      }),
    ).toEqual({ status: 'MISSING' });
  });

  it('a delivery giving up while another confirms the same order leaves it consistent either way', async () => {
    const sku = await newSku(500, 40);
    const inputs = await Promise.all(Array.from({ length: 8 }, () => place(sku, 1)));

    await Promise.allSettled(
      inputs.flatMap((input) => {
        const givingUp = newParticipants();
        givingUp.failNext.charge = 1;
        return [
          newSaga(newParticipants()).run(input, logger),
          newSaga(givingUp).run({ ...input, lastAttempt: true }, logger),
        ];
      }),
    );

    let reserved = 0;
    for (const { order } of inputs) {
      const status = (await readOrders.getOrder(order.orderId)).status;
      const payment = (await paymentOf(order.orderId))?.status;
      expect([status, payment]).toSatisfy(
        ([s, p]: [string, string | undefined]) =>
          (s === 'CONFIRMED' && p === 'CHARGED') || (s === 'FAILED' && p !== 'CHARGED'),
      );
      if (status === 'CONFIRMED') reserved += 1;
    }
    expect(await stockOf(sku)).toEqual({ available: 40 - reserved, reserved });
  });

  describe('on the first receive of a message (no read of the order first)', () => {
    it('goes forward and confirms without reading the order', async () => {
      const sku = await newSku(500, 5);
      const input = await place(sku, 1);
      const reads = vi.spyOn(orderStore, 'getOrder');

      const outcome = await saga.run({ ...input, firstReceive: true }, logger);

      expect(outcome).toEqual({ result: 'CONFIRMED' });
      expect(reads).not.toHaveBeenCalled();
      expect(await stockOf(sku)).toEqual({ available: 4, reserved: 1 });
      expect(await eventTypes(input.order.orderId)).toEqual([
        'order.placed.v1',
        'inventory.reserved.v1',
        'payment.charged.v1',
        'order.confirmed.v1',
      ]);
    });

    it('a copy of a confirmed order repeats only idempotent steps: no second reservation, charge or event', async () => {
      const sku = await newSku(500, 5);
      const input = await place(sku, 1);
      await saga.run(input, logger);
      const charged = await paymentOf(input.order.orderId);

      const outcome = await saga.run({ ...input, firstReceive: true }, logger);

      expect(outcome).toEqual({ result: 'CONFIRMED' });
      expect(participants.count('reserve')).toBe(2);
      expect(await stockOf(sku)).toEqual({ available: 4, reserved: 1 });
      expect(await paymentOf(input.order.orderId)).toEqual(charged);
      expect(await eventTypes(input.order.orderId)).toEqual([
        'order.placed.v1',
        'inventory.reserved.v1',
        'payment.charged.v1',
        'order.confirmed.v1',
      ]);
    });

    it('a copy of an order that FAILED out of stock, once stock is back, gives back what it reserved and charged', async () => {
      const sku = await newSku(500, 0);
      const input = await place(sku, 1);
      expect(await saga.run(input, logger)).toEqual({ result: 'FAILED', reason: 'OUT_OF_STOCK' });
      await dynamo.db.send(
        new UpdateCommand({
          TableName: tables.inventory,
          Key: stockKey(sku),
          UpdateExpression: 'SET available = :five',
          ExpressionAttributeValues: { ':five': 5 },
        }),
      );

      const outcome = await saga.run({ ...input, firstReceive: true }, logger);

      expect(outcome).toEqual({ result: 'SKIPPED', status: 'FAILED' });
      expect(participants.count('charge')).toBe(1);
      expect(participants.count('refund')).toBe(1);
      expect(participants.count('release')).toBe(1);
      expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0 });
      expect(await paymentOf(input.order.orderId)).toMatchObject({ status: 'REFUNDED' });
      expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({
        status: 'FAILED',
        reason: 'OUT_OF_STOCK',
      });
      expect(await eventTypes(input.order.orderId)).toEqual(['order.placed.v1', 'order.failed.v1']);
    });

    it('a copy arriving while another delivery fails the order compensates by its plan and never confirms', async () => {
      const sku = await newSku(500, 5);
      const input = await place(sku, 2, true);
      const first = newParticipants();
      first.failNext.charge = 1;
      first.failNext.refund = 10;
      await expect(newSaga(first).run(input, logger)).rejects.toBeInstanceOf(
        CompensationFailedError,
      );

      const outcome = await saga.run({ ...input, lastAttempt: false, firstReceive: true }, logger);

      expect(outcome).toEqual({ result: 'FAILED', reason: 'GAVE_UP' });
      expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0 });
      expect((await paymentOf(input.order.orderId))?.status).not.toBe('CHARGED');
      expect(await readOrders.getOrder(input.order.orderId)).toMatchObject({ status: 'FAILED' });
    });
  });
});
