/**
 * The proof's moving parts, shared by the quick suites (`npm test`) and the long run
 * (`npm run chaos`): place many orders from many clients, wait until each one converges,
 * count what happened, and summarize it in one table row (what the tables say of the orders
 * is read by ./probe.ts). Everything targets a local cloud
 * on 127.0.0.1 and is bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import type { OrderOutcome } from './probe.js';

/** One order to place: its lines. */
export interface OrderSpec {
  items: { sku: string; qty: number }[];
}

/** What POST /orders answered for one spec. */
export interface Placement {
  spec: OrderSpec;
  status: number;
  orderId?: string;
  /** The problem code of a 4xx/5xx answer, or the network error. */
  error?: string;
}

/** Places every spec with `concurrency` clients, each request with its own Idempotency-Key. */
export async function placeAll(
  apiUrl: string,
  specs: readonly OrderSpec[],
  concurrency: number,
  timeoutMs = 30_000,
): Promise<Placement[]> {
  const placements: Placement[] = new Array(specs.length);
  let next = 0;
  const client = async () => {
    while (next < specs.length) {
      const index = next++;
      const spec = specs[index] as OrderSpec;
      try {
        const response = await fetch(`${apiUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify(spec),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = (await response.json()) as { orderId?: string; code?: string };
        placements[index] = {
          spec,
          status: response.status,
          ...(body.orderId ? { orderId: body.orderId } : {}),
          ...(body.code ? { error: body.code } : {}),
        };
      } catch (error) {
        placements[index] = { spec, status: 0, error: (error as Error).name };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, client));
  return placements;
}

/** One row of the proof's summary table. */
export interface ProofSummary {
  scenario: string;
  orders: number;
  accepted: number;
  http5xx: number;
  converged: number;
  byOutcome: Record<string, number>;
  p50ConvergeMs: number;
  p99ConvergeMs: number;
  retries: number;
  dlq: number;
  violations: number;
  seconds: number;
  /** What the scenario did to the system (faults set, crashes, duplicates sent). */
  note?: string;
}

/** The p-th percentile of sorted numbers (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Counts a scenario's placements and outcomes into a summary row. */
export function summarize(input: {
  scenario: string;
  placements: readonly Placement[];
  outcomes: ReadonlyMap<string, OrderOutcome>;
  dlq: number;
  violations: number;
  seconds: number;
}): ProofSummary {
  const accepted = input.placements.filter((p) => p.status === 202 && p.orderId);
  const byOutcome: Record<string, number> = {};
  const times: number[] = [];
  let converged = 0;
  let retries = 0;
  for (const placement of accepted) {
    const outcome = input.outcomes.get(placement.orderId as string);
    const key = outcome
      ? outcome.status === 'FAILED' || outcome.status === 'CANCELLED'
        ? `${outcome.status}/${outcome.reason ?? '?'}`
        : outcome.status
      : 'MISSING';
    byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    if (!outcome) continue;
    retries += outcome.failedAttempts;
    if (outcome.settled) {
      converged++;
      times.push(Date.parse(outcome.updatedAt) - Date.parse(outcome.createdAt));
    }
  }
  times.sort((a, b) => a - b);
  return {
    scenario: input.scenario,
    orders: input.placements.length,
    accepted: accepted.length,
    http5xx: input.placements.filter((p) => p.status >= 500 || p.status === 0).length,
    converged,
    byOutcome,
    p50ConvergeMs: percentile(times, 50),
    p99ConvergeMs: percentile(times, 99),
    retries,
    dlq: input.dlq,
    violations: input.violations,
    seconds: input.seconds,
  };
}

/** The summary rows as an aligned text table. */
export function formatSummary(rows: readonly ProofSummary[]): string[] {
  const columns: [string, (r: ProofSummary) => string][] = [
    ['scenario', (r) => r.scenario],
    ['orders', (r) => String(r.orders)],
    ['accepted', (r) => String(r.accepted)],
    ['5xx', (r) => String(r.http5xx)],
    ['converged', (r) => String(r.converged)],
    [
      'by status/reason',
      (r) =>
        Object.entries(r.byOutcome)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    ],
    ['p50 converge', (r) => `${Math.round(r.p50ConvergeMs)} ms`],
    ['p99 converge', (r) => `${Math.round(r.p99ConvergeMs)} ms`],
    ['retries', (r) => String(r.retries)],
    ['dlq', (r) => String(r.dlq)],
    ['violations', (r) => String(r.violations)],
    ['time', (r) => `${r.seconds.toFixed(1)} s`],
    ['what was done to it', (r) => r.note ?? ''],
  ];
  const cells = rows.map((r) => columns.map(([, f]) => f(r)));
  const widths = columns.map(([name], i) =>
    Math.max(name.length, ...cells.map((c) => (c[i] as string).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map(([name]) => name)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ];
}

/** Fisher–Yates shuffle with an injectable random source. */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
