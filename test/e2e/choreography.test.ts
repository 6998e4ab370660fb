/**
 * The choreography on the whole local cloud: shipping reacts to order.confirmed.v1 through the
 * bus; a shipment that fails for good is undone by events, in reverse order — payment refunds,
 * inventory releases, the order service cancels — each service deciding for itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import { runCli } from '../support/cli.js';

describe('the choreography on the local cloud', () => {
  let cloud: E2eCloud;
  let api: ApiClient;

  beforeAll(async () => {
    cloud = await startE2eCloud();
    api = new ApiClient(cloud.apiUrl);
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  const timeline = async (orderId: string) =>
    (await api.get(`/orders/${orderId}/events`)).body.events as {
      type: string;
      source: string;
      data: Record<string, unknown>;
    }[];

  async function placeAndSettle(items: { sku: string; qty: number }[]) {
    const placed = await api.placeOrder({ items });
    expect(placed.status).toBe(202);
    const orderId = String(placed.body.orderId);
    return { orderId, order: await api.waitForOutcome(orderId) };
  }

  it('ships a confirmed order once: one shipment, shipping.requested.v1 last on its timeline, the shipment on the order', async () => {
    await cloud.setStock('kettle', 5, 3000);

    const { orderId, order } = await placeAndSettle([{ sku: 'kettle', qty: 1 }]);

    expect(order).toMatchObject({ status: 'CONFIRMED', shipment: { status: 'REQUESTED' } });
    const shipments = await cloud.shipmentsOf(orderId);
    expect(shipments).toHaveLength(1);
    expect(shipments[0]).toMatchObject({ status: 'REQUESTED', items: [{ sku: 'kettle', qty: 1 }] });
    const events = await timeline(orderId);
    expect(events.map((e) => e.type)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'payment.charged.v1',
      'order.confirmed.v1',
      'shipping.requested.v1',
    ]);
    expect(events.at(-1)).toMatchObject({
      source: 'mini-ec/shipping',
      data: { orderId, shipmentId: shipments[0]?.shipmentId },
    });
  });

  it('creates one shipment when the same order.confirmed.v1 is delivered three more times, shuffled and delayed', async () => {
    await cloud.setStock('teapot', 5, 2000);
    const { orderId } = await placeAndSettle([{ sku: 'teapot', qty: 1 }]);
    const [before] = await cloud.shipmentsOf(orderId);
    const confirmed = (await timeline(orderId)).find((e) => e.type === 'order.confirmed.v1');

    await Promise.all(
      [2, 0, 1].map((delay) => cloud.sendToQueue('ShippingQueueUrl', confirmed, delay)),
    );
    await cloud.waitForQueuesToDrain();

    expect(await cloud.shipmentsOf(orderId)).toEqual([before]);
    const requested = (await timeline(orderId)).filter((e) => e.type === 'shipping.requested.v1');
    expect(requested).toHaveLength(1);
  });

  it('never ships a FAILED order', async () => {
    await cloud.setStock('vase', 0, 900);

    const { orderId, order } = await placeAndSettle([{ sku: 'vase', qty: 1 }]);
    await cloud.waitForQueuesToDrain();

    expect(order).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK' });
    expect(order.shipment).toBeUndefined();
    expect(await cloud.shipmentsOf(orderId)).toEqual([]);
  });

  it('cancels an order with a sku that cannot ship: shipping.failed.v1, then refund, release and CANCELLED in that order; verify is clean', async () => {
    const stockSet = await runCli(['stock', 'set', 'piano', '3', '--price', '9000', '--no-ship'], {
      cloudFile: cloud.cloudFile,
    });
    expect(stockSet.code).toBe(0);
    await cloud.setStock('stool', 5, 1000);

    const { orderId, order } = await placeAndSettle([
      { sku: 'piano', qty: 1 },
      { sku: 'stool', qty: 2 },
    ]);
    await cloud.waitForQueuesToDrain();

    expect(order).toMatchObject({
      status: 'CANCELLED',
      reason: 'SHIPPING_FAILED',
      shipment: { status: 'FAILED', reason: 'SKU_CANNOT_SHIP' },
    });
    const events = await timeline(orderId);
    expect(events.map((e) => [e.type, e.source])).toEqual([
      ['order.placed.v1', 'mini-ec/api'],
      ['inventory.reserved.v1', 'mini-ec/worker'],
      ['payment.charged.v1', 'mini-ec/worker'],
      ['order.confirmed.v1', 'mini-ec/worker'],
      ['shipping.failed.v1', 'mini-ec/shipping'],
      ['payment.refunded.v1', 'mini-ec/payment'],
      ['inventory.released.v1', 'mini-ec/inventory'],
      ['order.cancelled.v1', 'mini-ec/worker'],
    ]);
    expect(events[4]?.data).toMatchObject({ reason: 'SKU_CANNOT_SHIP', skus: ['piano'] });
    expect(await cloud.paymentsOf(orderId)).toEqual([
      expect.objectContaining({ status: 'REFUNDED', amount: 11_000 }),
    ]);
    expect(await cloud.stock('piano')).toMatchObject({ available: 3, reserved: 0 });
    expect(await cloud.stock('stool')).toMatchObject({ available: 5, reserved: 0 });
    const verify = await runCli(['verify', '--json'], { cloudFile: cloud.cloudFile });
    expect(verify.stdout).toContain('"violations": []');
    expect(verify.code).toBe(0);
  });
});
