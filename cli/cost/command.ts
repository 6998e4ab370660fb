/**
 * `mini-ec cost`: what an order uses, measured, and what a million of them cost, itemized by
 * service and by function; an idle month of the deployed demo; free tiers beside, not applied.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseDuration, parseSeconds, rejectExtra } from '../args.js';
import { clientConfig, documentClient } from '../clients.js';
import type { CommandContext } from '../context.js';
import { CliError, callAws, EXIT, UsageError } from '../errors.js';
import { table } from '../output.js';
import { projectRoot, queueNameOf, type Target } from '../target.js';
import { countOrders, measuredFromMetrics, metricsOf, sumMetrics } from './cloudwatch-usage.js';
import {
  compareStepFunctions,
  freeTierReach,
  type MeasuredUsage,
  type OrderCost,
  type PriceTable,
  parsePriceTable,
  priceIdleMonth,
  priceOrders,
} from './pricing.js';
import { measureLocal, type StackFacts, stackFacts } from './usage.js';

export interface CostOptions {
  orders?: string;
  since?: string;
  prices?: string;
  region?: string;
  template?: string;
  compare?: string;
  timeout?: string;
}

const DEFAULT_ORDERS = 100;
const MAX_ORDERS = 1_000;
const DEFAULT_SINCE = '1h';

/** The price table: --prices FILE, else prices/<--region or us-east-1>.json of the project. */
export function loadPrices(options: { prices?: string; region?: string }): {
  table: PriceTable;
  file: string;
} {
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`--region "${region}" is not a region name`);
  const file =
    options.prices ?? path.join(projectRoot(import.meta.url), 'prices', `${region}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(
      missing
        ? `no price table ${file}${options.prices ? '' : ` (only the regions in prices/ are kept; pass --prices FILE)`}`
        : `cannot read ${file}: ${(error as Error).message}`,
      EXIT.usage,
      { cause: error },
    );
  }
  return { table: parsePriceTable(json, file), file };
}

export async function costCommand(
  ctx: CommandContext,
  args: string[],
  options: CostOptions,
): Promise<number> {
  rejectExtra(args);
  if (options.compare !== undefined && options.compare !== 'step-functions') {
    throw new UsageError(`--compare takes step-functions, not "${options.compare}"`);
  }
  const orders = options.orders === undefined ? DEFAULT_ORDERS : parseOrders(options.orders);
  const timeoutMs =
    (options.timeout === undefined ? 120 : parseSeconds('--timeout', options.timeout)) * 1000;
  const { table: prices, file: pricesFile } = loadPrices(options);
  const target = ctx.target();
  const facts = stackFacts(options.template ?? templateOf(target));
  let usage: MeasuredUsage;
  if (target.kind === 'local') {
    if (options.since !== undefined)
      throw new UsageError(
        '--since is for a deployed stack; locally cost places --orders N itself',
      );
    usage = await measureLocal(target, facts, {
      orders,
      timeoutMs,
      progress: (m) => ctx.json || ctx.io.err(m),
    });
  } else {
    if (options.orders !== undefined) {
      throw new UsageError(
        'on a deployed stack cost measures a window (--since 1h), it places no orders',
      );
    }
    usage = await measureStack(
      target,
      facts,
      parseDuration('--since', options.since ?? DEFAULT_SINCE),
    );
  }
  const cost = priceOrders(usage, prices);
  const idle = priceIdleMonth({ ...facts, tableBytes: await tableBytes(target) }, prices);
  const free = freeTierReach(cost, prices);
  const ordersQueue = queueNameOf(target.outputs.OrdersQueueUrl ?? '');
  const stepFunctions = options.compare
    ? compareStepFunctions(cost, prices, ordersQueue)
    : undefined;
  const report = {
    measured: usage,
    prices: { file: pricesFile, region: prices.region },
    cost,
    idleMonth: idle,
    freeTier: free,
    ...(stepFunctions ? { stepFunctions } : {}),
  };
  if (ctx.json) {
    ctx.io.out(JSON.stringify(report, null, 2));
    return EXIT.ok;
  }
  for (const line of renderCost(usage, cost, idle, free, stepFunctions, prices, pricesFile))
    ctx.io.out(line);
  return EXIT.ok;
}

function parseOrders(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_ORDERS)
    throw new UsageError(`--orders must be an integer in 1..${MAX_ORDERS}, got "${value}"`);
  return n;
}

/** The template of the target: the local cloud's, or cdk.out/<stack>.template.json. */
function templateOf(target: Target): string {
  if (target.templateFile) return target.templateFile;
  return path.join(
    projectRoot(import.meta.url),
    'cdk.out',
    `${target.stackName ?? 'MiniEc'}.template.json`,
  );
}

async function measureStack(
  target: Target,
  facts: StackFacts,
  windowMs: number,
): Promise<MeasuredUsage> {
  const end = new Date();
  const start = new Date(end.getTime() - windowMs);
  const window = `${start.toISOString()} – ${end.toISOString()}`;
  const cloudwatch = new CloudWatchClient({ region: target.region, maxAttempts: 3 });
  const db = documentClient(target);
  try {
    const [sums, orders] = await Promise.all([
      sumMetrics(cloudwatch, metricsOf(target.outputs), start, end),
      countOrders(db, target.outputs.OrdersTableName, start, end),
    ]);
    return measuredFromMetrics(sums, orders, facts, window);
  } finally {
    cloudwatch.destroy();
    db.destroy();
  }
}

/** The bytes in the stack's tables (DescribeTable; DynamoDB updates it every ~6 hours). */
async function tableBytes(target: Target): Promise<number> {
  const client = new DynamoDBClient(clientConfig(target, 'dynamodb'));
  try {
    const names = Object.entries(target.outputs)
      .filter(([key]) => /^\w+TableName$/.test(key))
      .map(([, name]) => name);
    const sizes = await Promise.all(
      names.map((TableName) =>
        callAws(`DescribeTable ${TableName}`, () =>
          client.send(new DescribeTableCommand({ TableName })),
        ).then((t) => t.Table?.TableSizeBytes ?? 0),
      ),
    );
    return sizes.reduce((n, s) => n + s, 0);
  } finally {
    client.destroy();
  }
}

const usd = (n: number) => (n >= 0.01 || n === 0 ? `$${n.toFixed(2)}` : `$${n.toPrecision(2)}`);
const qty = (n: number) =>
  n === 0 ? '0' : n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);

function renderCost(
  usage: MeasuredUsage,
  cost: OrderCost,
  idle: ReturnType<typeof priceIdleMonth>,
  free: ReturnType<typeof freeTierReach>,
  stepFunctions: ReturnType<typeof compareStepFunctions> | undefined,
  prices: PriceTable,
  pricesFile: string,
): string[] {
  const shownFile = path.relative(process.cwd(), pricesFile) || pricesFile;
  const lines = [
    `what one order uses: ${usage.orders} orders measured on ${usage.source}; priced with ${shownFile} (${prices.region}, on demand)`,
    '',
    ...table(
      cost.lines.map((l) => ({
        service: l.service,
        function: l.function ?? '-',
        item: l.item,
        'per order': qty(l.perOrder),
        unit: l.unit.split(' (')[0] ?? l.unit,
        '$ / 1M orders': usd(l.usdPerMillionOrders),
      })),
      ['service', 'function', 'item', 'per order', 'unit', '$ / 1M orders'],
    ),
    '',
    'by service',
    ...table(
      Object.entries(cost.byService)
        .sort((a, b) => b[1] - a[1])
        .map(([service, n]) => ({ service, '$ / 1M orders': usd(n) })),
      ['service', '$ / 1M orders'],
    ).map((l) => `  ${l}`),
    '',
    'by function',
    ...table(
      Object.entries(cost.byFunction)
        .sort((a, b) => b[1] - a[1])
        .map(([fn, n]) => ({ function: fn, '$ / 1M orders': usd(n) })),
      ['function', '$ / 1M orders'],
    ).map((l) => `  ${l}`),
    '',
    `total: ${usd(cost.totalUsdPerMillionOrders)} per million orders (${usd(cost.totalUsdPerMillionOrders / 1_000_000)} an order), before free tiers`,
    '',
    'an idle month of the deployed demo (nobody orders)',
    ...table(
      idle.lines.map((l) => ({
        service: l.service,
        item: l.item,
        quantity: qty(l.quantity),
        unit: l.unit,
        '$ / month': usd(l.usdPerMonth),
      })),
      ['service', 'item', 'quantity', 'unit', '$ / month'],
    ).map((l) => `  ${l}`),
    `  total: ${usd(idle.totalUsdPerMonth)} a month, before free tiers`,
    '',
    'free tiers (not applied above)',
    ...free.map(
      (f) =>
        `  ${f.price}: ${f.amount.toLocaleString('en')} a month (${f.terms}): the usage of ${f.ordersPerMonth.toLocaleString('en')} orders`,
    ),
  ];
  if (stepFunctions) {
    lines.push(
      '',
      'the same saga as a Step Functions Standard workflow',
      `  ${stepFunctions.transitionsPerOrder} state transitions an order (confirmed path): ${usd(stepFunctions.stepFunctionsUsdPerMillionOrders)} per million orders`,
      `  what it would replace here, at most (the worker, the orders queue; the worker also records`,
      `  the other services' facts, which would stay): ${usd(stepFunctions.replacedUsdPerMillionOrders)} per million orders`,
    );
  }
  return lines;
}
