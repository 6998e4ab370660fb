/**
 * What an operator sees and does when even the last attempt cannot settle an order: the
 * inventory is down hard (fail-rate 1, set while it runs), so the worker's last attempt cannot
 * release and the message goes to the DLQ; `dlq list` shows the order with its last error;
 * once the fault is cleared, `dlq redrive` brings it back and it converges — FAILED/GAVE_UP, the
 * decision the last attempt had begun to carry out, with nothing held. (A stack with
 * maxReceiveCount 2 and a 10 s worker, so this takes seconds.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofContext } from '../../proof/context.js';
import { ApiClient, type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import { E2E_STACKS } from '../../proof/stacks.js';
import { runCli } from '../support/cli.js';

describe('an order only the DLQ can hold, and its redrive', () => {
  let cloud: E2eCloud;
  let ctx: ProofContext;

  beforeAll(async () => {
    // Worker 10 s: the last attempt retries its compensation for about 4 s (10 s − the 4 s invoke − a margin).
    cloud = await startE2eCloud(E2E_STACKS.operator);
    ctx = new ProofContext(cloud);
  });

  afterAll(async () => {
    ctx?.close();
    await cloud?.stop();
  });

  it('goes to the DLQ when compensation cannot settle it, is listed with its last error, and converges after chaos clear and dlq redrive, holding nothing', async () => {
    const cli = (args: string[]) => runCli(args, { cloudFile: cloud.cloudFile });
    const sku = await ctx.newSku(5);
    const api = new ApiClient(cloud.apiUrl);
    await ctx.setChaos({ inventory: { failRate: 1 } });

    const placed = await api.placeOrder({ items: [{ sku, qty: 1 }] });
    const orderId = String(placed.body.orderId);
    let listed: { orders: { messages: Record<string, unknown>[] } } | undefined;
    for (let i = 0; i < 120 && !listed?.orders.messages.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      listed = (await cli(['dlq', 'list', '--queue', 'orders', '--json'])).json();
    }
    const stillPending = await api.get(`/orders/${orderId}`);
    await ctx.clearChaos();
    const redrive = await cli(['dlq', 'redrive', '--json']);
    const outcome = await api.waitForOutcome(orderId, 60_000);
    await cloud.waitForQueuesToDrain();
    const verify = await cli(['verify', '--json']);

    expect(listed?.orders.messages).toEqual([
      expect.objectContaining({
        orderId,
        orderStatus: 'PENDING',
        failedAttempts: 2,
        lastError: expect.stringContaining('CompensationFailedError'),
      }),
    ]);
    expect(stillPending.body.status).toBe('PENDING');
    expect(redrive.json()).toEqual({ moved: 1, method: 'receive-and-send' });
    // The last attempt had begun to give up (the payment is voided): the redriven saga finishes that.
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'GAVE_UP' });
    expect(await cloud.stock(sku)).toMatchObject({ available: 5, reserved: 0 });
    expect(verify.code).toBe(0);
    expect(verify.json<{ violations: unknown[] }>().violations).toEqual([]);
  });
});
