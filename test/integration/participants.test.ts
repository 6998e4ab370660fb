/**
 * Inventory and payment use cases on a real DynamoDB Local: idempotency per order, the
 * orderings that compensation can produce (release before reserve, refund before charge), and
 * no oversell under concurrency.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryUnavailableError } from '../../lambdas/inventory/errors.js';
import { DynamoInventoryStore } from '../../lambdas/inventory/inventory-store.js';
import { Inventory } from '../../lambdas/inventory/use-cases.js';
import { DynamoPaymentStore } from '../../lambdas/payment/payment-store.js';
import { Payments } from '../../lambdas/payment/use-cases.js';
import type { InventoryReply } from '../../lambdas/shared/commands.js';
import { newOrderId } from '../../lambdas/shared/ids.js';
import { paymentKey, reservationKey, stockKey } from '../../lambdas/shared/keys.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';

let dynamo: LocalDynamo;
let inventoryTable: string;
let paymentsTable: string;
let inventory: Inventory;
let payments: Payments;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  inventoryTable = await dynamo.createTable('inventory');
  paymentsTable = await dynamo.createTable('payments');
  inventory = new Inventory(new DynamoInventoryStore(dynamo.db, inventoryTable));
  payments = new Payments(new DynamoPaymentStore(dynamo.db, paymentsTable), 100_000);
});
afterAll(async () => {
  await dynamo?.stop();
});

async function setStock(sku: string, available: number): Promise<void> {
  await dynamo.db.send(
    new PutCommand({
      TableName: inventoryTable,
      Item: { ...stockKey(sku), kind: 'STOCK', sku, available, reserved: 0 },
    }),
  );
}
async function stockOf(sku: string): Promise<{ available: number; reserved: number }> {
  const { Item } = await dynamo.db.send(
    new GetCommand({ TableName: inventoryTable, Key: stockKey(sku), ConsistentRead: true }),
  );
  return { available: Item?.available as number, reserved: Item?.reserved as number };
}

describe('inventory reserve', () => {
  it('takes the stock of every line once, and a repeated reserve answers RESERVED without taking more', async () => {
    await setStock('r-coffee', 5);
    await setStock('r-mug', 2);
    const orderId = newOrderId();
    const items = [
      { sku: 'r-coffee', qty: 2 },
      { sku: 'r-mug', qty: 1 },
    ];

    const first = await inventory.reserve(orderId, items);
    const second = await inventory.reserve(orderId, items);

    expect(first).toEqual({ outcome: 'RESERVED' });
    expect(second).toEqual({ outcome: 'RESERVED' });
    expect(await stockOf('r-coffee')).toEqual({ available: 3, reserved: 2 });
    expect(await stockOf('r-mug')).toEqual({ available: 1, reserved: 1 });
  });

  it('is all or nothing: one short line rejects OUT_OF_STOCK and leaves every stock untouched', async () => {
    await setStock('a-plenty', 10);
    await setStock('a-short', 1);
    const orderId = newOrderId();

    const reply = await inventory.reserve(orderId, [
      { sku: 'a-plenty', qty: 3 },
      { sku: 'a-short', qty: 2 },
    ]);

    expect(reply).toEqual({ outcome: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(await stockOf('a-plenty')).toEqual({ available: 10, reserved: 0 });
    expect(await stockOf('a-short')).toEqual({ available: 1, reserved: 0 });
    const { Item } = await dynamo.db.send(
      new GetCommand({ TableName: inventoryTable, Key: reservationKey(orderId) }),
    );
    expect(Item).toBeUndefined();
  });

  it('rejects a sku that has no stock item as OUT_OF_STOCK', async () => {
    expect(await inventory.reserve(newOrderId(), [{ sku: 'no-such-sku', qty: 1 }])).toEqual({
      outcome: 'REJECTED',
      reason: 'OUT_OF_STOCK',
    });
  });

  it('gives exactly 10 of 50 concurrent single-unit orders their stock when 10 are on hand, and never goes below zero', async () => {
    await setStock('hot', 10);
    const reserveUntilDefinite = async (orderId: string): Promise<InventoryReply> => {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          return await inventory.reserve(orderId, [{ sku: 'hot', qty: 1 }]);
        } catch (error) {
          if (!(error instanceof InventoryUnavailableError)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        }
      }
      throw new Error(`no definite answer for ${orderId}`);
    };

    const replies = await Promise.all(
      Array.from({ length: 50 }, () => reserveUntilDefinite(newOrderId())),
    );

    expect(replies.filter((r) => r.outcome === 'RESERVED')).toHaveLength(10);
    expect(
      replies.filter((r) => r.outcome === 'REJECTED' && r.reason === 'OUT_OF_STOCK'),
    ).toHaveLength(40);
    expect(await stockOf('hot')).toEqual({ available: 0, reserved: 10 });
  });
});

describe('inventory release', () => {
  it('gives the stock back once, however often it is repeated', async () => {
    await setStock('rel', 4);
    const orderId = newOrderId();
    await inventory.reserve(orderId, [{ sku: 'rel', qty: 3 }]);

    const replies = [await inventory.release(orderId), await inventory.release(orderId)];

    expect(replies).toEqual([{ outcome: 'RELEASED' }, { outcome: 'RELEASED' }]);
    expect(await stockOf('rel')).toEqual({ available: 4, reserved: 0 });
  });

  it('releases concurrently repeated requests exactly once', async () => {
    await setStock('rel-c', 4);
    const orderId = newOrderId();
    await inventory.reserve(orderId, [{ sku: 'rel-c', qty: 2 }]);

    const replies = await Promise.allSettled(
      Array.from({ length: 5 }, () => inventory.release(orderId)),
    );

    expect(replies.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(await stockOf('rel-c')).toEqual({ available: 4, reserved: 0 });
  });

  it('before any reserve leaves a tombstone, so the late reserve is refused and takes no stock', async () => {
    await setStock('late', 3);
    const orderId = newOrderId();

    const released = await inventory.release(orderId);
    const reserved = await inventory.reserve(orderId, [{ sku: 'late', qty: 1 }]);

    expect(released).toEqual({ outcome: 'RELEASED' });
    expect(reserved).toEqual({ outcome: 'REJECTED', reason: 'RESERVATION_RELEASED' });
    expect(await stockOf('late')).toEqual({ available: 3, reserved: 0 });
  });

  it('after a release refuses a reserve of the same order again', async () => {
    await setStock('again', 3);
    const orderId = newOrderId();
    await inventory.reserve(orderId, [{ sku: 'again', qty: 1 }]);
    await inventory.release(orderId);

    expect(await inventory.reserve(orderId, [{ sku: 'again', qty: 1 }])).toEqual({
      outcome: 'REJECTED',
      reason: 'RESERVATION_RELEASED',
    });
    expect(await stockOf('again')).toEqual({ available: 3, reserved: 0 });
  });
});

describe('payment charge and refund', () => {
  const paymentOf = async (orderId: string) =>
    (
      await dynamo.db.send(
        new GetCommand({
          TableName: paymentsTable,
          Key: paymentKey(orderId),
          ConsistentRead: true,
        }),
      )
    ).Item;

  it('charges once: a repeated charge answers the same paymentId', async () => {
    const orderId = newOrderId();

    const first = await payments.charge(orderId, 500, 'JPY');
    const second = await payments.charge(orderId, 500, 'JPY');

    expect(first.outcome).toBe('CHARGED');
    expect(second).toEqual(first);
    expect(await paymentOf(orderId)).toMatchObject({
      status: 'CHARGED',
      amount: 500,
      currency: 'JPY',
      orderId,
    });
  });

  it('gives one paymentId to concurrent charges of the same order', async () => {
    const orderId = newOrderId();

    const replies = await Promise.all(
      Array.from({ length: 8 }, () => payments.charge(orderId, 700, 'JPY')),
    );

    const ids = new Set(replies.map((r) => (r.outcome === 'CHARGED' ? r.paymentId : r.outcome)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^pay_/);
  });

  it('declines an amount above the limit and writes nothing', async () => {
    const orderId = newOrderId();

    expect(await payments.charge(orderId, 100_001, 'JPY')).toEqual({
      outcome: 'REJECTED',
      reason: 'PAYMENT_DECLINED',
    });
    expect(await paymentOf(orderId)).toBeUndefined();
  });

  it('accepts an amount exactly at the limit', async () => {
    expect((await payments.charge(newOrderId(), 100_000, 'JPY')).outcome).toBe('CHARGED');
  });

  it('refunds a charge once and keeps answering REFUNDED', async () => {
    const orderId = newOrderId();
    const charged = await payments.charge(orderId, 500, 'JPY');

    const replies = [await payments.refund(orderId), await payments.refund(orderId)];

    expect(replies).toEqual([{ outcome: 'REFUNDED' }, { outcome: 'REFUNDED' }]);
    expect(await paymentOf(orderId)).toMatchObject({
      status: 'REFUNDED',
      paymentId: charged.outcome === 'CHARGED' ? charged.paymentId : 'none',
    });
  });

  it('refuses a charge after its refund (PAYMENT_VOIDED)', async () => {
    const orderId = newOrderId();
    await payments.charge(orderId, 500, 'JPY');
    await payments.refund(orderId);

    expect(await payments.charge(orderId, 500, 'JPY')).toEqual({
      outcome: 'REJECTED',
      reason: 'PAYMENT_VOIDED',
    });
  });

  it('voids the order when the refund comes before any charge, so the late charge moves no money', async () => {
    const orderId = newOrderId();

    const refunded = await payments.refund(orderId);
    const charged = await payments.charge(orderId, 500, 'JPY');

    expect(refunded).toEqual({ outcome: 'REFUNDED' });
    expect(charged).toEqual({ outcome: 'REJECTED', reason: 'PAYMENT_VOIDED' });
    expect(await paymentOf(orderId)).toMatchObject({ status: 'VOIDED' });
  });
});
