/**
 * The promise, proven small enough for every `npm test` (the same scenarios run at full size
 * in `npm run chaos`): concurrent orders never oversell, faults changed while it runs (fail
 * rate, delays, answers lost after commit, a participant slower than the worker's wait) and
 * duplicate deliveries never double an effect, and every accepted order converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofContext } from '../../proof/context.js';
import { type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import {
  concurrencyScenario,
  duplicatesScenario,
  faultsScenario,
  shippingScenario,
  slowParticipantScenario,
} from '../../proof/scenarios.js';

describe('the proof (quick)', () => {
  let cloud: E2eCloud;
  let ctx: ProofContext;

  beforeAll(async () => {
    cloud = await startE2eCloud();
    ctx = new ProofContext(cloud);
  });

  afterAll(async () => {
    ctx?.close();
    await cloud?.stop();
  });

  it('sells a sku with stock 50 exactly 50 times out of 200 concurrent orders, and verify passes', async () => {
    const result = await concurrencyScenario(ctx, { orders: 200, stock: 50 });

    expect(result.summary.accepted).toBe(200);
    expect(result.summary.http5xx).toBe(0);
    expect(result.pending).toEqual([]);
    expect(result.summary.byOutcome).toEqual({ CONFIRMED: 50, 'FAILED/OUT_OF_STOCK': 150 });
    expect(await cloud.stock(result.sku)).toMatchObject({ available: 0, reserved: 50 });
    expect(result.report.violations).toEqual([]);
  });

  it('converges every order under fail-rate 0.3, delays and answers lost after commit, charging none twice', async () => {
    const lostBefore = cloud.logLinesMatching(/answer lost after the work committed/).length;

    const result = await faultsScenario(ctx, {
      orders: 60,
      skus: 3,
      chaos: {
        inventory: { failRate: 0.3, delayMs: 20 },
        payment: { failRate: 0.3, delayMs: 20, failAfterCommit: 0.3 },
      },
    });

    expect(result.summary.accepted).toBe(60);
    expect(result.pending).toEqual([]);
    expect(result.summary.retries).toBeGreaterThan(0);
    expect(cloud.logLinesMatching(/answer lost after the work committed/).length).toBeGreaterThan(
      lostBefore,
    );
    expect(result.summary.byOutcome['FAILED/OUT_OF_STOCK'] ?? 0).toBeGreaterThan(0);
    expect(result.report.violations).toEqual([]);
  });

  it('retries past a participant slower than the worker waits, and converges once chaos is cleared', async () => {
    const result = await slowParticipantScenario(ctx, {
      orders: 4,
      slowForMs: 9_000,
      delayMs: 5_000,
    });

    expect(result.lastErrors.length).toBeGreaterThan(0);
    expect(result.lastErrors.join('\n')).toMatch(/timed out|Timedout|TimeoutError|AbortError/i);
    expect(result.pending).toEqual([]);
    expect(result.summary.byOutcome).toEqual({ CONFIRMED: 4 });
    expect(result.report.violations).toEqual([]);
  });

  it('gives each order one effect when every event is delivered three times, shuffled and delayed', async () => {
    const result = await duplicatesScenario(ctx, { orders: 30, copies: 2 });

    expect(result.duplicatesSent).toBe(60);
    expect(result.pending).toEqual([]);
    expect(result.summary.byOutcome).toEqual({ CONFIRMED: 30 });
    for (const orderId of result.placements.map((p) => p.orderId as string)) {
      expect(await cloud.paymentsOf(orderId)).toEqual([
        expect.objectContaining({ status: 'CHARGED' }),
      ]);
    }
    expect(result.report.violations).toEqual([]);
  });

  it('ships each confirmed order exactly once and undoes each failed shipment under shipping faults (fail-rate 0.3, answers lost after commit 0.3)', async () => {
    const lostBefore = cloud.logLinesMatching(/answer lost after the work committed/).length;

    const result = await shippingScenario(ctx, {
      orders: 100,
      noShipEvery: 5,
      chaos: { failRate: 0.3, failAfterCommit: 0.3 },
    });

    expect(result.summary.accepted).toBe(100);
    expect(result.pending).toEqual([]);
    expect(cloud.logLinesMatching(/answer lost after the work committed/).length).toBeGreaterThan(
      lostBefore,
    );
    // Every order got one shipment (requested, or failed and then compensated), never two —
    // also after redriving what the DLQ held (a delivery that shipped, then lost its answer on
    // its last receive).
    expect(result.dlqAfterRedrive).toBe(0);
    expect(result.shipments.size).toBe(100);
    expect([...result.shipments.values()].every((count) => count === 1)).toBe(true);
    expect(result.reportAfterRedrive.violations).toEqual([]);
    const cancelled = result.summary.byOutcome['CANCELLED/SHIPPING_FAILED'] ?? 0;
    expect(cancelled).toBeGreaterThanOrEqual(20);
    expect(result.summary.byOutcome.CONFIRMED).toBe(100 - cancelled);
    expect(result.report.violations).toEqual([]);
  });
});
