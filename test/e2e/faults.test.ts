import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import { E2E_STACKS } from '../../proof/stacks.js';

const ORDERS = 30;
const SKUS = ['pen', 'ink', 'pad'];

describe('the saga under injected faults (FAULT_FAIL_RATE=0.3, FAULT_DELAY_MS=100)', () => {
  let cloud: E2eCloud;
  let api: ApiClient;

  beforeAll(async () => {
    cloud = await startE2eCloud(E2E_STACKS.faults);
    api = new ApiClient(cloud.apiUrl);
    for (const sku of SKUS) await cloud.setStock(sku, 100, 100);
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  it(`converges all ${ORDERS} orders and charges none of them twice`, async () => {
    const placed = await Promise.all(
      Array.from({ length: ORDERS }, (_, i) =>
        api.placeOrder({ items: [{ sku: SKUS[i % SKUS.length], qty: 1 + (i % 3) }] }),
      ),
    );
    expect(placed.map((p) => p.status)).toEqual(Array(ORDERS).fill(202));

    const outcomes = await Promise.all(
      placed.map((p) => api.waitForOutcome(String(p.body.orderId), 150_000)),
    );

    for (const [i, outcome] of outcomes.entries()) {
      const orderId = String(placed[i]?.body.orderId);
      const payments = await cloud.paymentsOf(orderId);
      const charged = payments.filter((p) => p.status === 'CHARGED');
      if (outcome.status === 'CONFIRMED') {
        expect(charged).toEqual([expect.objectContaining({ amount: outcome.total })]);
        expect(outcome.shipment).toMatchObject({ status: 'REQUESTED' });
      } else if (outcome.status === 'CANCELLED') {
        // Shipping fails 30 % of its deliveries too: one that fails on the last receive the
        // queue allows gives the shipment up, and payment and inventory undo their part.
        expect(outcome).toMatchObject({
          reason: 'SHIPPING_FAILED',
          shipment: { status: 'FAILED', reason: 'GAVE_UP' },
        });
        expect(payments).toEqual([
          expect.objectContaining({ status: 'REFUNDED', amount: outcome.total }),
        ]);
      } else {
        expect(outcome.status).toBe('FAILED');
        expect(charged).toEqual([]);
        expect(outcome.shipment).toBeUndefined();
      }
    }
    // The participants logged the injected faults, and the worker retried past them.
    expect(
      cloud.logLinesMatching(/temporary failure, the caller will retry.*\(injected fault\)/).length,
    ).toBeGreaterThan(0);
    expect(
      cloud.logLinesMatching(/temporary failure, retrying|retrying later/).length,
    ).toBeGreaterThan(0);
  });
});
