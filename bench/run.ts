/**
 * Measures the local cloud and prints figures (no assertions): seconds from start to ready,
 * 202 → CONFIRMED latency over sequential orders, accepted orders per second at N concurrent
 * clients, and each function's bundle size. Targets 127.0.0.1 only; bounded in count and time.
 *
 *   npm run bench [-- --sequential 100 --burst 400 --concurrency 16]
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient, startE2eCloud } from '../test/e2e/harness.js';

const { values } = parseArgs({
  options: {
    sequential: { type: 'string', default: '100' },
    burst: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '16' },
  },
});
const sequential = Math.min(1000, Number(values.sequential));
const burst = Math.min(5000, Number(values.burst));
const concurrency = Math.min(64, Number(values.concurrency));

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

const startedAt = performance.now();
const cloud = await startE2eCloud({ quiet: true });
const readySeconds = (performance.now() - startedAt) / 1000;
const api = new ApiClient(cloud.apiUrl);
try {
  await cloud.setStock('bench-coffee', 1_000_000, 500);

  const latencies: number[] = [];
  for (let i = 0; i < sequential; i++) {
    const t0 = performance.now();
    const placed = await api.placeOrder({ items: [{ sku: 'bench-coffee', qty: 1 }] });
    if (placed.status !== 202) throw new Error(`order ${i}: HTTP ${placed.status}`);
    const outcome = await api.waitForOutcome(String(placed.body.orderId), 60_000, 10);
    if (outcome.status !== 'CONFIRMED')
      throw new Error(`order ${i} ended ${String(outcome.status)}`);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);

  let next = 0;
  let accepted = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < burst) {
        next++;
        const placed = await api.placeOrder(
          { items: [{ sku: 'bench-coffee', qty: 1 }] },
          { 'idempotency-key': randomUUID() },
        );
        if (placed.status === 202) accepted++;
      }
    }),
  );
  const burstSeconds = (performance.now() - t1) / 1000;

  const bundles = cloud.functionAssets().map(({ name, assetDir }) => ({
    name,
    bytes: fs.statSync(path.join(assetDir, 'index.js')).size,
  }));

  console.log('\nmini-ec local benchmark');
  console.log(`  start → ready                 ${readySeconds.toFixed(1)} s`);
  console.log(
    `  202 → CONFIRMED (${sequential} sequential)  p50 ${percentile(latencies, 50).toFixed(0)} ms  p99 ${percentile(latencies, 99).toFixed(0)} ms`,
  );
  console.log(
    `  accepted at ${concurrency} clients        ${(accepted / burstSeconds).toFixed(1)} orders/s (${accepted}/${burst} accepted in ${burstSeconds.toFixed(1)} s)`,
  );
  console.log('  bundle sizes (index.js)');
  for (const b of bundles)
    console.log(`    ${b.name.padEnd(14)} ${(b.bytes / 1024).toFixed(0)} KiB`);
} finally {
  await cloud.stop();
}
