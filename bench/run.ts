/**
 * `npm run bench`: the whole picture of the local cloud's speed, as figures (it asserts
 * nothing). Starts `npm start`'s host as its own process (so its CPU is measured apart from
 * this load generator), then: start → ready; idle CPU; a burst of N orders from C clients
 * (accepted/s, converged/s, 202 → final p50/p99 — final: settled, i.e. FAILED, CANCELLED, or
 * CONFIRMED with its shipment recorded — and 202 → the saga's decision, CPU ms per converged
 * order for each process group from /proc); C' concurrent POSTs at once; bundle sizes. The local cloud runs as
 * `npm start` runs it, without the DynamoDB meter; a second, metered host then takes a smaller
 * burst (--count-n) for the DynamoDB requests per order. When ../shared/reference/run.sh
 * exists it runs the same burst against the seed's reference first, in the same run, and
 * prints the ratios. Targets 127.0.0.1 only; bounded in count and time. A little over 300
 * lines: one run's steps in the order they happen, sharing its host, meter and stores.
 *
 *   npm run bench [-- --n 2000 --c 16 --concurrent 100 --settle 15 --idle 30 --no-reference
 *                    --count-n 300 --json --profile DIR --instances N]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Stores } from '../cli/stores.js';
import { resolveTarget } from '../cli/target.js';
import type { UsageSnapshot } from '../local/cloud.js';
import { usageBetween } from '../local/meter/usage.js';
import { CpuMeter, diff, sum } from './cpu-meter.js';
import { startHost } from './host.js';
import { percentile, printTable, type ReferenceResult, requestsPerOrder, stats } from './report.js';
import { WorkerLog } from './worker-log.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    c: { type: 'string', default: '16' },
    concurrent: { type: 'string', default: '100' },
    idle: { type: 'string', default: '30' },
    settle: { type: 'string', default: '15' },
    'no-reference': { type: 'boolean', default: false },
    // DynamoDB requests are counted on a second, metered host (local/meter/'s forwarder) with a
    // burst of this many orders; 0 skips it.
    'count-n': { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
    profile: { type: 'string' },
    // at most this many processes per function (npm start's --instances; default its own)
    instances: { type: 'string' },
  },
});
const N = bounded(values.n, 1, 20_000, 'n');
const C = bounded(values.c, 1, 256, 'c');
const CONCURRENT = bounded(values.concurrent, 0, 1000, 'concurrent');
const IDLE_S = bounded(values.idle, 0, 120, 'idle');
const COUNT_N = bounded(values['count-n'], 0, 20_000, 'count-n');
const SETTLE_S = bounded(values.settle, 0, 120, 'settle');
const CONVERGE_TIMEOUT_MS = 600_000;
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const referenceScript = path.resolve(repo, '..', 'shared', 'reference', 'run.sh');
const say = values.json ? (_: string) => undefined : (m: string) => console.error(m);

function bounded(raw: string | undefined, min: number, max: number, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

// ---- the reference, first, while nothing else runs ----------------------------------------
let reference: ReferenceResult | undefined;
if (!values['no-reference'] && fs.existsSync(referenceScript)) {
  say(`reference: ${N} orders from ${C} clients (bash ${referenceScript}) …`);
  const out = execFileSync('bash', [referenceScript, '--n', String(N), '--c', String(C)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 900_000,
  });
  const last = out.trim().split('\n').pop() ?? '{}';
  reference = JSON.parse(last) as ReferenceResult;
}

// ---- the local cloud's host, as `npm start` runs it -----------------------------------------
/**
 * Starts the host, measures, stops it. `metered`: with the DynamoDB forwarder (--meter), for
 * the requests per order only; its CPU figures carry the forwarder's hop and are not the
 * local cloud's (idle and the concurrent POSTs are skipped).
 */
async function localCloudRun(metered: boolean, n: number): Promise<Record<string, unknown>> {
  say(`local cloud${metered ? ', metered' : ''}: starting …`);
  const profileDir = !metered && values.profile ? path.resolve(values.profile) : undefined;
  const { host, stateDir, readySeconds, cloud } = await startHost(repo, {
    metered,
    ...(profileDir ? { profileDir } : {}),
    ...(values.instances ? { instances: values.instances } : {}),
  });
  /** POST /orders of one unit of a sku, with a fresh Idempotency-Key. */
  const postOrder = (orderSku: string, timeoutMs: number) =>
    fetch(`${cloud.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ items: [{ sku: orderSku, qty: 1 }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  const hostPid = host.pid!;
  const groupOf = (pid: number): string => {
    if (pid === hostPid) return 'host';
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java') return 'dynamodb-local';
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      const fn = cloud.functions.find((f) => path.resolve(f.assetDir) === cwd);
      if (fn) return fn.displayName;
    } catch {
      // gone already
    }
    return 'other';
  };
  const meter = new CpuMeter(hostPid, groupOf);
  meter.start();

  const worker = cloud.functions.find((f) => f.displayName === 'worker');
  if (!worker) throw new Error('no worker function in the local cloud');
  const workerLog = new WorkerLog(path.join(stateDir, 'logs', `${worker.logicalId}.log`));
  const { decided, finals } = workerLog;
  const readFinals = () => workerLog.read();

  const usage = async (): Promise<UsageSnapshot> =>
    (await fetch(`${cloud.endpoints.meter}/usage`)).json() as Promise<UsageSnapshot>;
  const cloudFile = path.join(stateDir, 'cloud.json');
  const stores = new Stores(resolveTarget({ cloudFile, env: {} }));
  const sku = `bench-${Date.now().toString(36)}`;
  const results: Record<string, unknown> = {};
  try {
    await stores.setStock(sku, 1_000_000, 500);

    // idle: from SETTLE_S after ready, so the window holds the idle cloud's steady state (stream
    // polls, pollers' receives) and not the JVM still compiling what the start ran
    const idleS = metered ? 0 : IDLE_S;
    if (idleS > 0) await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    const idleBefore = meter.totals();
    await new Promise((r) => setTimeout(r, idleS * 1000));
    meter.sample();
    const idleCpu = diff(meter.totals(), idleBefore);
    const idlePercent = idleS > 0 ? (sum(idleCpu) / (idleS * 1000)) * 100 : null;

    // one order alone: every function's first cold start on a quiet machine (the burst's cold
    // starts, when the pools scale out, share the cores with the load)
    say('local cloud: one order alone (cold starts) …');
    const coldBefore = await usage();
    const first = await postOrder(sku, 60_000);
    const firstId = ((await first.json()) as { orderId?: string }).orderId;
    if (first.status !== 202 || !firstId) throw new Error(`the first order got ${first.status}`);
    for (const until = Date.now() + 60_000; !finals.has(firstId) && Date.now() < until; ) {
      readFinals();
      await new Promise((r) => setTimeout(r, 100));
    }
    const quietInit = usageBetween(coldBefore, await usage()).initDurationsMs;

    // the burst
    say(`local cloud${metered ? ', metered' : ''}: ${n} orders from ${C} clients …`);
    const cpuBefore = meter.totals();
    const usageBefore = await usage();
    const sentAt = new Map<string, number>();
    const acceptMs: number[] = [];
    const statuses: Record<string, number> = {};
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < n) {
          next++;
          const at = Date.now();
          const s = performance.now();
          try {
            const r = await postOrder(sku, 60_000);
            const body = (await r.json()) as { orderId?: string };
            acceptMs.push(performance.now() - s);
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            if (r.status === 202 && body.orderId) sentAt.set(body.orderId, at);
          } catch {
            statuses.error = (statuses.error ?? 0) + 1;
          }
        }
      }),
    );
    const burstS = (performance.now() - t0) / 1000;
    const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
    for (;;) {
      readFinals();
      if ([...sentAt.keys()].every((id) => finals.has(id)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    meter.sample();
    const burstCpu = diff(meter.totals(), cpuBefore);
    const burstUsage = usageBetween(usageBefore, await usage());
    const done = [...sentAt].filter(([id]) => finals.has(id));
    const e2e = done.map(([id, at]) => finals.get(id)!.at - at);
    const toDecision = done.flatMap(([id, at]) => {
      const d = decided.get(id);
      return d ? [d.at - at] : [];
    });
    const firstSent = Math.min(...sentAt.values());
    const lastFinal = Math.max(...done.map(([id]) => finals.get(id)!.at));
    const byStatus: Record<string, number> = {};
    for (const [id] of done) {
      const s = finals.get(id)!.status;
      byStatus[s] = (byStatus[s] ?? 0) + 1;
    }
    const perOrder = Object.fromEntries(
      Object.entries(burstCpu)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, +(v / Math.max(1, done.length)).toFixed(1)]),
    );
    results.burst = {
      n,
      c: C,
      accepted: sentAt.size,
      statuses,
      acceptedPerS: +(sentAt.size / burstS).toFixed(1),
      acceptMs: stats(acceptMs),
      converged: done.length,
      byStatus,
      convergedPerS: +(done.length / ((lastFinal - firstSent) / 1000)).toFixed(1),
      e2eMs: stats(e2e),
      decidedMs: stats(toDecision),
      cpuMsPerOrder: +(sum(burstCpu) / Math.max(1, done.length)).toFixed(1),
      cpuMsPerOrderByGroup: perOrder,
    };
    results.requestsPerOrder = requestsPerOrder(burstUsage, done.length);

    // C' concurrent POSTs at once, for a sku with a little stock
    if (CONCURRENT > 0 && !metered) {
      const small = `${sku}-c`;
      await stores.setStock(small, Math.max(1, Math.floor(CONCURRENT * 0.3)), 500);
      const latencies: number[] = [];
      const codes: Record<string, number> = {};
      await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const s = performance.now();
          try {
            const r = await postOrder(small, 30_000);
            await r.text();
            codes[r.status] = (codes[r.status] ?? 0) + 1;
          } catch {
            codes.error = (codes.error ?? 0) + 1;
          }
          latencies.push(performance.now() - s);
        }),
      );
      results.concurrent = { n: CONCURRENT, statuses: codes, ms: stats(latencies) };
    }

    results.startToReadyS = +readySeconds.toFixed(1);
    results.initMs = Object.fromEntries(
      Object.entries((await usage()).initDurationsMs).map(([fn, samples]) => {
        const underLoad = samples.slice(quietInit[fn]?.length ?? 0);
        return [
          fn,
          {
            alone: quietInit[fn]?.[0] ?? null,
            underLoadMedian: underLoad.length > 0 ? percentile(underLoad, 50) : null,
            coldStartsUnderLoad: underLoad.length,
          },
        ];
      }),
    );
    results.idle = {
      afterReadyS: SETTLE_S,
      seconds: idleS,
      cpuPercentOfACore: idlePercent === null ? null : +idlePercent.toFixed(1),
      byGroupMs: Object.fromEntries(Object.entries(idleCpu).map(([k, v]) => [k, Math.round(v)])),
    };
    results.bundlesKiB = Object.fromEntries(
      cloud.functions.map((f) => {
        const file = ['index.mjs', 'index.js']
          .map((n) => path.join(f.assetDir, n))
          .find((p) => fs.existsSync(p));
        return [f.displayName, file ? Math.round(fs.statSync(file).size / 1024) : null];
      }),
    );
  } finally {
    meter.stop();
    host.kill('SIGINT');
    await new Promise((r) => host.once('exit', r));
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  return results;
}

const results = await localCloudRun(false, N);
if (COUNT_N > 0) {
  const counted = await localCloudRun(true, COUNT_N);
  const requests = counted.requestsPerOrder as { dynamodb: unknown };
  (results.requestsPerOrder as { dynamodb: unknown }).dynamodb = requests.dynamodb;
  results.metered = {
    orders: (counted.burst as { converged: number }).converged,
    cpuMsPerOrder: (counted.burst as { cpuMsPerOrder: number }).cpuMsPerOrder,
  };
}

if (reference) {
  const b = results.burst as {
    acceptedPerS: number;
    convergedPerS: number;
    e2eMs: { p99: number };
    cpuMsPerOrder: number;
  };
  results.reference = reference;
  results.ratios = {
    acceptedPerS: +(b.acceptedPerS / reference.acceptedPerS).toFixed(2),
    convergedPerS: +(b.convergedPerS / reference.convergedPerS).toFixed(2),
    e2eP99: +(b.e2eMs.p99 / reference.e2eMs.p99).toFixed(2),
    cpuMsPerOrder: +(b.cpuMsPerOrder / reference.cpuMsPerOrder).toFixed(2),
  };
}
results.date = new Date().toISOString();
results.machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;

if (values.json) console.log(JSON.stringify(results));
else printTable(results);
