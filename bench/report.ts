/** The bench's human output: one table, with the reference's figures and the ratios. */
import type { UsageSnapshot } from '../local/meter/usage.js';
import { sum } from './cpu-meter.js';

/** A percentile of some values, rounded (nearest-rank), or null without values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]!);
}
/** p50, p99 and max of some values. */
export const stats = (v: number[]) => ({
  p50: percentile(v, 50),
  p99: percentile(v, 99),
  max: percentile(v, 100),
});

/** What ../shared/reference/run.sh prints as its last line. */
export interface ReferenceResult {
  acceptedPerS: number;
  convergedPerS: number;
  e2eMs: { p50: number; p99: number };
  cpuMsPerOrder: number;
}
/** Prints the results as the table the README shows. */
export function printTable(r: Record<string, unknown>): void {
  const b = r.burst as Record<string, unknown> & {
    acceptMs: ReturnType<typeof stats>;
    e2eMs: ReturnType<typeof stats>;
    decidedMs?: ReturnType<typeof stats>;
    cpuMsPerOrderByGroup: Record<string, number>;
  };
  const ref = r.reference as (ReferenceResult & { acceptMs?: { p99: number } }) | undefined;
  const ratios = r.ratios as Record<string, number> | undefined;
  const row = (what: string, ours: string, theirs = '', ratio = '') =>
    console.log(`  ${what.padEnd(34)} ${ours.padEnd(22)} ${theirs.padEnd(18)} ${ratio}`);
  console.log(`\nmini-ec local benchmark — ${r.date} — ${r.machine}`);
  row('figure', 'mini-ec local cloud', ref ? 'reference' : '', ref ? 'ratio' : '');
  row(
    `accepted orders/s (${b.n} from ${b.c})`,
    String(b.acceptedPerS),
    ref ? String(ref.acceptedPerS) : '',
    ratios ? `${ratios.acceptedPerS}×` : '',
  );
  row(
    'converged orders/s',
    String(b.convergedPerS),
    ref ? String(ref.convergedPerS) : '',
    ratios ? `${ratios.convergedPerS}×` : '',
  );
  row(
    '202 → final p50 / p99 (ms)',
    `${b.e2eMs.p50} / ${b.e2eMs.p99}`,
    ref ? `${ref.e2eMs.p50} / ${ref.e2eMs.p99}` : '',
    ratios ? `${ratios.e2eP99}× (p99)` : '',
  );
  if (b.decidedMs)
    row('  of which 202 → decided p50 / p99', `${b.decidedMs.p50} / ${b.decidedMs.p99}`);
  row(
    'CPU ms per converged order',
    String(b.cpuMsPerOrder),
    ref ? String(ref.cpuMsPerOrder) : '',
    ratios ? `${ratios.cpuMsPerOrder}×` : '',
  );
  row('accept p50 / p99 / max (ms)', `${b.acceptMs.p50} / ${b.acceptMs.p99} / ${b.acceptMs.max}`);
  row('answers', JSON.stringify(b.statuses));
  row('final states', `${b.converged}/${b.accepted} ${JSON.stringify(b.byStatus)}`);
  console.log('  CPU ms per order, by process group:');
  for (const [k, v] of Object.entries(b.cpuMsPerOrderByGroup))
    console.log(`    ${k.padEnd(16)} ${v}`);
  const c = r.concurrent as { n: number; statuses: unknown; ms: ReturnType<typeof stats> };
  if (c)
    row(
      `${c.n} concurrent POSTs p50/p99/max`,
      `${c.ms.p50} / ${c.ms.p99} / ${c.ms.max} ms`,
      JSON.stringify(c.statuses),
    );
  const idle = r.idle as {
    afterReadyS: number;
    seconds: number;
    cpuPercentOfACore: number | null;
  };
  row('start → ready', `${r.startToReadyS} s`);
  row(
    `idle CPU (${idle.seconds} s, +${idle.afterReadyS} s)`,
    `${idle.cpuPercentOfACore}% of a core`,
  );
  console.log(`  bundles (KiB): ${JSON.stringify(r.bundlesKiB)}`);
  const q = r.requestsPerOrder as RequestsPerOrder | undefined;
  if (q) {
    if (q.dynamodb) {
      const m = r.metered as { orders: number; cpuMsPerOrder: number } | undefined;
      console.log(
        `  DynamoDB requests per order: ${q.dynamodb.total}${m ? ` (metered host, ${m.orders} orders, ${m.cpuMsPerOrder} CPU ms per order with the meter's hop)` : ''}`,
      );
      console.log(`    by operation     ${counts(q.dynamodb.byOperation)}`);
      for (const [table, c] of Object.entries(q.dynamodb.byTable))
        console.log(`    ${table.slice(0, 40).padEnd(16)} ${counts(c)}`);
      if (Object.keys(q.dynamodb.failedByOperation).length > 0)
        console.log(`    failed (4xx)     ${counts(q.dynamodb.failedByOperation)}`);
    } else console.log('  DynamoDB requests per order: not counted (--count-n 0)');
    console.log(`  SQS requests per order: ${q.sqs.total}`);
    console.log(`    by action        ${counts(q.sqs.byAction)}`);
    console.log(`    messages         ${counts(q.sqs.messages)}`);
    console.log(`  SNS requests per order: ${q.sns.total} (${q.sns.published} events published)`);
    console.log(`    by action        ${counts(q.sns.byAction)}`);
  }
  type Init = { alone: number | null; underLoadMedian: number | null; coldStartsUnderLoad: number };
  const init = r.initMs as Record<string, Init> | undefined;
  if (init) {
    const each = (pick: (v: Init) => string) =>
      Object.entries(init)
        .map(([fn, v]) => `${fn} ${pick(v)}`)
        .join(', ');
    console.log(`  module init ms, first order alone: ${each((v) => `${v.alone}`)}`);
    console.log(
      `  module init ms under the burst (median, cold starts): ${each((v) => `${v.underLoadMedian} (${v.coldStartsUnderLoad})`)}`,
    );
  }
}

/** DynamoDB, SQS and SNS requests per converged order, as the local cloud's meter counted them. */
export interface RequestsPerOrder {
  dynamodb: {
    total: number;
    byOperation: Record<string, number>;
    byTable: Record<string, Record<string, number>>;
    failedByOperation: Record<string, number>;
  } | null;
  sqs: { total: number; byAction: Record<string, number>; messages: Record<string, number> };
  sns: { total: number; byAction: Record<string, number>; published: number };
}

function counts(c: Record<string, number>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** Requests per order of a burst's usage (DynamoDB only when the host was metered). */
export function requestsPerOrder(usage: UsageSnapshot, orders: number) {
  const each = Math.max(1, orders);
  const perOrder = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, +(v / each).toFixed(2)]));
  const total = (counts: Record<string, number>) => +(sum(counts) / each).toFixed(2);
  const { dynamodb, sqs, sns } = usage;
  return {
    dynamodb: dynamodb.metered
      ? {
          total: total(dynamodb.requests),
          byOperation: perOrder(dynamodb.requests),
          byTable: Object.fromEntries(
            Object.entries(dynamodb.byResource).map(([t, c]) => [t, perOrder(c)]),
          ),
          failedByOperation: perOrder(dynamodb.errors),
        }
      : null,
    sqs: {
      total: total(sqs.requests),
      byAction: perOrder(sqs.requests),
      messages: perOrder({ ...sqs.messages }),
    },
    sns: {
      total: total(sns.requests),
      byAction: perOrder(sns.requests),
      published: +(sns.published / each).toFixed(2),
    },
  };
}
