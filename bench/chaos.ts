/**
 * `npm run chaos`: the long proof. Starts local clouds on 127.0.0.1 and runs every scenario at
 * full size — 200 concurrent orders for 50 units, 300 orders under faults changed while it runs,
 * a participant slower than the worker's wait, every event delivered three times, 300 orders
 * under shipping faults (one in five with a sku that cannot ship; its DLQ redriven after),
 * the worker killed mid-saga over and over, and a flood of 2,000 orders from 64 clients —
 * then prints one summary table. Exits 1 if any order did not converge, any answer was a 5xx,
 * any invariant was violated, or an order got other than one shipment.
 *
 *   npm run chaos [-- --scale 0.25]     (scale shrinks every count, for a quicker look)
 */
import { parseArgs } from 'node:util';
import { ProofContext } from '../proof/context.js';
import { startE2eCloud } from '../proof/harness.js';
import { formatSummary, type ProofSummary } from '../proof/proof.js';
import {
  concurrencyScenario,
  crashScenario,
  duplicatesScenario,
  faultsScenario,
  floodScenario,
  type ScenarioResult,
  shippingScenario,
  slowParticipantScenario,
} from '../proof/scenarios.js';
import { E2E_STACKS } from '../proof/stacks.js';

// The SDK's notice about Node 20 is noise here (its versions are pinned).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' } } });
const scale = Number(values.scale);
if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
  console.error('chaos: --scale must be a number in (0, 1]');
  process.exit(2);
}
const n = (count: number) => Math.max(4, Math.round(count * scale));
const log = (message: string) =>
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

const rows: ProofSummary[] = [];
const problems: string[] = [];
function record(result: ScenarioResult): void {
  rows.push(result.summary);
  if (result.pending.length > 0)
    problems.push(`${result.summary.scenario}: ${result.pending.length} orders did not converge`);
  if (result.summary.http5xx > 0)
    problems.push(`${result.summary.scenario}: ${result.summary.http5xx} answers were 5xx or none`);
  for (const v of result.report.violations.slice(0, 20)) {
    problems.push(`${result.summary.scenario}: ${v.invariant} ${v.subject}: ${v.detail}`);
  }
}

const started = performance.now();
log('starting a local cloud with the default stack');
const cloud = await startE2eCloud(E2E_STACKS.default);
const ctx = new ProofContext(cloud, log);
try {
  record(await concurrencyScenario(ctx, { orders: n(200), stock: n(50) }));
  record(
    await faultsScenario(ctx, {
      orders: n(300),
      skus: 5,
      chaos: {
        inventory: { failRate: 0.3, delayMs: 50 },
        payment: { failRate: 0.3, delayMs: 50, failAfterCommit: 0.3 },
      },
      convergeTimeoutMs: 600_000,
    }),
  );
  record(await slowParticipantScenario(ctx, { orders: n(20), slowForMs: 10_000, delayMs: 5_000 }));
  record(await duplicatesScenario(ctx, { orders: n(200), copies: 2 }));
  const shipping = await shippingScenario(ctx, {
    orders: n(300),
    noShipEvery: 5,
    chaos: { failRate: 0.3, delayMs: 50, failAfterCommit: 0.3 },
    convergeTimeoutMs: 600_000,
  });
  record(shipping);
  const shipped = [...shipping.shipments.values()];
  log(
    `shipping: ${shipping.redriven} message(s) redriven from its DLQ, ${shipping.dlqAfterRedrive} left in the DLQs; shipments per order: ${Math.min(...shipped)}–${Math.max(...shipped)} over ${shipped.length} orders`,
  );
  if (shipping.dlqAfterRedrive > 0 || shipped.some((count) => count !== 1))
    problems.push('shipping: a DLQ held messages after the redrive, or an order had ≠ 1 shipment');
  for (const v of shipping.reportAfterRedrive.violations.slice(0, 20))
    problems.push(`shipping, after the redrive: ${v.invariant} ${v.subject}: ${v.detail}`);
  record(await floodScenario(ctx, { orders: n(2000), clients: 64 }));
} finally {
  ctx.close();
  await cloud.stop();
}

log('starting a local cloud with short timeouts for the crash scenario');
const crashCloud = await startE2eCloud(E2E_STACKS.crash);
const crashCtx = new ProofContext(crashCloud, log);
try {
  const result = await crashScenario(crashCtx, { orders: n(100), rate: 0.3, maxCrashes: 10 });
  log(
    `crashes: ${result.crashes.afterReserve} after reserve, ${result.crashes.afterCharge} after charge`,
  );
  record(result);
} finally {
  crashCtx.close();
  await crashCloud.stop();
}

console.log(`\nmini-ec chaos — ${((performance.now() - started) / 1000).toFixed(0)} s in all\n`);
for (const line of formatSummary(rows)) console.log(line);
const total = rows.reduce((sum, r) => sum + r.violations, 0);
console.log(`\ninvariant violations: ${total}`);
if (problems.length > 0) {
  console.log('\nproblems:');
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
