/**
 * The scenarios of the proof. Each one drives a running local cloud through the same doors a
 * user has (the HTTP API, `mini-ec chaos`, the queues), waits for every accepted order to
 * converge, runs `mini-ec verify`'s invariants over all tables, and returns what it saw. The
 * quick suites (test/e2e) run them small; `npm run chaos` runs them at full size. A little over
 * 300 lines: seven scenarios of 30–50 lines each, each read on its own beside the others.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosOverrides, ChaosService } from '../cli/chaos.js';
import type { VerifyReport } from '../cli/invariants.js';
import type { ProofContext } from './context.js';
import type { OrderOutcome } from './probe.js';
import {
  type OrderSpec,
  type Placement,
  type ProofSummary,
  placeAll,
  shuffled,
  summarize,
} from './proof.js';

/** What a scenario saw. */
export interface ScenarioResult {
  summary: ProofSummary;
  placements: Placement[];
  outcomes: Map<string, OrderOutcome>;
  report: VerifyReport;
  /** Orders that did not converge in time. */
  pending: string[];
}

/** Places the specs, waits for convergence, verifies: the common skeleton of every scenario. */
async function runOrders(
  ctx: ProofContext,
  scenario: string,
  specs: OrderSpec[],
  options: {
    concurrency: number;
    convergeTimeoutMs: number;
    /** Runs after the orders were accepted, while they converge (duplicates, …). */
    meanwhile?: (accepted: string[]) => Promise<void>;
    /** What was done to the system, for the summary (read once the orders converged). */
    note?: () => string;
  },
): Promise<ScenarioResult> {
  const started = performance.now();
  ctx.log(`${scenario}: placing ${specs.length} orders with ${options.concurrency} clients`);
  const placements = await placeAll(ctx.cloud.apiUrl, specs, options.concurrency);
  const accepted = placements.flatMap((p) => (p.status === 202 && p.orderId ? [p.orderId] : []));
  await options.meanwhile?.(accepted);
  const outcomes = await ctx.probe.awaitConvergence(accepted, options.convergeTimeoutMs);
  const pending = accepted.filter((id) => !outcomes.get(id)?.settled);
  // Let the last deliveries (duplicates, compensations already decided) settle before counting.
  await ctx.cloud.waitForQueuesToDrain(options.convergeTimeoutMs).catch(() => undefined);
  const report = await ctx.verify(accepted);
  const dlq = await ctx.deadLetterCounts();
  const summary = summarize({
    scenario,
    placements,
    outcomes,
    dlq,
    violations: report.violations.length,
    seconds: (performance.now() - started) / 1000,
  });
  if (options.note) summary.note = options.note();
  ctx.log(
    `${scenario}: ${summary.converged}/${summary.accepted} converged in ${summary.seconds.toFixed(1)} s`,
  );
  return { summary, placements, outcomes, report, pending };
}

/** N orders of one unit each for a sku with `stock` units, all at once. */
export async function concurrencyScenario(
  ctx: ProofContext,
  options: { orders: number; stock: number; convergeTimeoutMs?: number },
): Promise<ScenarioResult & { sku: string }> {
  const sku = await ctx.newSku(options.stock);
  const specs = Array.from({ length: options.orders }, () => ({ items: [{ sku, qty: 1 }] }));
  const result = await runOrders(ctx, 'concurrency', specs, {
    note: () => `${options.orders} clients at once for one sku with stock ${options.stock}`,
    concurrency: options.orders,
    convergeTimeoutMs: options.convergeTimeoutMs ?? 120_000,
  });
  return { ...result, sku };
}

/** Orders over several skus (some short of stock) while the participants misbehave. */
export async function faultsScenario(
  ctx: ProofContext,
  options: {
    orders: number;
    skus: number;
    chaos: Partial<Record<ChaosService, ChaosOverrides>>;
    concurrency?: number;
    convergeTimeoutMs?: number;
  },
): Promise<ScenarioResult> {
  const skus: string[] = [];
  for (let i = 0; i < options.skus; i++) {
    // The last sku is short of stock, so OUT_OF_STOCK (and its compensations) happen too.
    skus.push(
      await ctx.newSku(
        i === options.skus - 1 ? Math.ceil(options.orders / (options.skus * 3)) : 10_000,
      ),
    );
  }
  const specs = Array.from({ length: options.orders }, (_, i) => {
    const first = skus[i % skus.length] as string;
    const second = skus[(i + 1) % skus.length] as string;
    return {
      items:
        i % 3 === 0 && first !== second
          ? [
              { sku: first, qty: 1 },
              { sku: second, qty: 2 },
            ]
          : [{ sku: first, qty: 1 }],
    };
  });
  await ctx.setChaos(options.chaos);
  try {
    return await runOrders(ctx, 'faults', specs, {
      note: () => `chaos set ${describeChaos(options.chaos)}`,
      concurrency: options.concurrency ?? 16,
      convergeTimeoutMs: options.convergeTimeoutMs ?? 180_000,
    });
  } finally {
    await ctx.clearChaos();
  }
}

/**
 * Every order.placed.v1 event delivered `copies` more times, shuffled and some delayed,
 * while the originals are being processed: each order must still have one effect.
 */
export async function duplicatesScenario(
  ctx: ProofContext,
  options: { orders: number; copies: number; convergeTimeoutMs?: number },
): Promise<ScenarioResult & { duplicatesSent: number }> {
  const sku = await ctx.newSku(options.orders * 2);
  const specs = Array.from({ length: options.orders }, () => ({ items: [{ sku, qty: 2 }] }));
  let duplicatesSent = 0;
  const result = await runOrders(ctx, 'duplicates', specs, {
    note: () =>
      `${duplicatesSent} extra deliveries (each order.placed.v1 ×${options.copies + 1}, shuffled, some delayed)`,
    concurrency: 8,
    convergeTimeoutMs: options.convergeTimeoutMs ?? 120_000,
    meanwhile: async (accepted) => {
      const events = await Promise.all(accepted.map((id) => ctx.probe.placedEvent(id)));
      const copies = shuffled(
        events.flatMap((event) => Array.from({ length: options.copies }, () => event)),
      );
      await Promise.all(
        copies.map(async (event, i) => {
          await ctx.cloud.sendToOrdersQueue(event, i % 4 === 0 ? 1 + (i % 3) : 0);
          duplicatesSent++;
        }),
      );
    },
  });
  return { ...result, duplicatesSent };
}

/** The worker killed right after reserve or after charge committed, over and over. */
export async function crashScenario(
  ctx: ProofContext,
  options: { orders: number; rate: number; maxCrashes: number; convergeTimeoutMs?: number },
): Promise<ScenarioResult & { crashes: { afterReserve: number; afterCharge: number } }> {
  const sku = await ctx.newSku(options.orders * 2);
  const specs = Array.from({ length: options.orders }, () => ({ items: [{ sku, qty: 1 }] }));
  /** Kills the worker once `participant` answered `command` (committed, not yet recorded). */
  const killWorkerAfter = (participant: 'inventory' | 'payment', command: string) =>
    ctx.cloud.cloud.crashAfter({
      victim: 'worker',
      after: participant,
      when: (payload) => (payload as { command?: string }).command === command,
      rate: options.rate,
      max: options.maxCrashes,
    });
  const afterReserve = killWorkerAfter('inventory', 'reserve');
  const afterCharge = killWorkerAfter('payment', 'charge');
  try {
    const result = await runOrders(ctx, 'crashes', specs, {
      note: () =>
        `worker killed ${afterReserve.crashes}× after reserve, ${afterCharge.crashes}× after charge committed`,
      concurrency: 8,
      convergeTimeoutMs: options.convergeTimeoutMs ?? 240_000,
    });
    return {
      ...result,
      crashes: { afterReserve: afterReserve.crashes, afterCharge: afterCharge.crashes },
    };
  } finally {
    afterReserve.stop();
    afterCharge.stop();
  }
}

/**
 * A participant slower than the worker's wait (delay > invoke timeout, so the participant is
 * also past its own timeout): attempts fail until `chaos clear`, then every order converges.
 */
export async function slowParticipantScenario(
  ctx: ProofContext,
  options: { orders: number; slowForMs: number; delayMs: number; convergeTimeoutMs?: number },
): Promise<ScenarioResult & { lastErrors: string[] }> {
  const sku = await ctx.newSku(options.orders);
  const specs = Array.from({ length: options.orders }, () => ({ items: [{ sku, qty: 1 }] }));
  await ctx.setChaos({ inventory: { delayMs: options.delayMs } });
  const lastErrors: string[] = [];
  try {
    const result = await runOrders(ctx, 'slow participant', specs, {
      note: () =>
        `inventory delay ${options.delayMs} ms (> the 4 s invoke wait) for ${options.slowForMs / 1000} s, then chaos clear`,
      concurrency: 4,
      convergeTimeoutMs: options.convergeTimeoutMs ?? 120_000,
      meanwhile: async (accepted) => {
        await sleep(options.slowForMs);
        lastErrors.push(...(await ctx.probe.lastErrors(accepted)));
        await ctx.clearChaos();
      },
    });
    return { ...result, lastErrors };
  } finally {
    await ctx.clearChaos();
  }
}

/**
 * Shipping misbehaving (transient failures, answers lost after the shipment committed) while
 * every `noShipEvery`-th order has a sku that cannot ship: each confirmed order gets exactly one
 * shipment, and each order whose shipment failed is refunded, released and CANCELLED; what the
 * shipping DLQ holds at the end is redriven, and changes nothing.
 */
export async function shippingScenario(
  ctx: ProofContext,
  options: {
    orders: number;
    noShipEvery: number;
    chaos: ChaosOverrides;
    concurrency?: number;
    convergeTimeoutMs?: number;
  },
): Promise<
  ScenarioResult & {
    redriven: number;
    dlqAfterRedrive: number;
    shipments: Map<string, number>;
    reportAfterRedrive: VerifyReport;
  }
> {
  const ships = await ctx.newSku(options.orders);
  const cannotShip = await ctx.newSku(options.orders, 100, { noShip: true });
  const specs = Array.from({ length: options.orders }, (_, i) => ({
    items:
      i % options.noShipEvery === 0
        ? [
            { sku: ships, qty: 1 },
            { sku: cannotShip, qty: 1 },
          ]
        : [{ sku: ships, qty: 1 }],
  }));
  await ctx.setChaos({ shipping: options.chaos });
  try {
    const result = await runOrders(ctx, 'shipping', specs, {
      note: () =>
        `chaos set ${describeChaos({ shipping: options.chaos })}; every ${options.noShipEvery}th order has a sku that cannot ship`,
      concurrency: options.concurrency ?? 16,
      convergeTimeoutMs: options.convergeTimeoutMs ?? 180_000,
    });
    // A delivery that shipped and then lost its answer on the last receive the queue allows
    // leaves its message in the DLQ, as SQS does, though the order is shipped: an operator's
    // redrive of it must create nothing more.
    const redriven = await ctx.redrive('shipping');
    const accepted = [...result.outcomes.keys()];
    const counted = await ctx.probe.shipmentCounts(accepted);
    return {
      ...result,
      redriven,
      dlqAfterRedrive: await ctx.deadLetterCounts(),
      // Every accepted order, those with no shipment at 0.
      shipments: new Map(accepted.map((id) => [id, counted.get(id) ?? 0])),
      reportAfterRedrive: await ctx.verify(accepted),
    };
  } finally {
    await ctx.clearChaos();
  }
}

/** A bounded burst: many orders from many clients on 127.0.0.1, stock for all of them. */
export async function floodScenario(
  ctx: ProofContext,
  options: { orders: number; clients: number; convergeTimeoutMs?: number },
): Promise<ScenarioResult> {
  const skus = [await ctx.newSku(options.orders), await ctx.newSku(options.orders)];
  const specs = Array.from({ length: options.orders }, (_, i) => ({
    items: [{ sku: skus[i % 2] as string, qty: 1 }],
  }));
  return runOrders(ctx, 'flood', specs, {
    note: () => `${options.orders} orders from ${options.clients} clients on 127.0.0.1`,
    concurrency: options.clients,
    convergeTimeoutMs: options.convergeTimeoutMs ?? 600_000,
  });
}

function describeChaos(chaos: Partial<Record<ChaosService, ChaosOverrides>>): string {
  return Object.entries(chaos)
    .map(
      ([service, o]) =>
        `${service}(${Object.entries(o ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')})`,
    )
    .join(' ');
}
