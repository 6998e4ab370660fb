/**
 * The worker killed mid-saga, over and over — right after inventory committed a reservation
 * and right after payment committed a charge — on a stack synthesized with short timeouts
 * (worker 10 s, visibility 15 s: a crashed delivery comes back only when its visibility
 * timeout ends) and room for the receives the crashes cost. Every order still converges, with one reservation and one charge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofContext } from '../../proof/context.js';
import { type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import { crashScenario } from '../../proof/scenarios.js';
import { E2E_STACKS } from '../../proof/stacks.js';

describe('worker crashes mid-saga', () => {
  let cloud: E2eCloud;
  let ctx: ProofContext;

  beforeAll(async () => {
    cloud = await startE2eCloud(E2E_STACKS.crash);
    ctx = new ProofContext(cloud);
  });

  afterAll(async () => {
    ctx?.close();
    await cloud?.stop();
  });

  it('converges every order with no double effect when the worker dies between reserve and charge and between charge and confirm', async () => {
    const result = await crashScenario(ctx, { orders: 12, rate: 0.5, maxCrashes: 3 });

    expect(result.crashes.afterReserve).toBeGreaterThan(0);
    expect(result.crashes.afterCharge).toBeGreaterThan(0);
    expect(result.pending).toEqual([]);
    expect(result.summary.byOutcome).toEqual({ CONFIRMED: 12 });
    for (const orderId of result.placements.map((p) => p.orderId as string)) {
      expect(await cloud.paymentsOf(orderId)).toEqual([
        expect.objectContaining({ status: 'CHARGED' }),
      ]);
    }
    expect(result.report.violations).toEqual([]);
  });
});
