/**
 * Measured usage for `mini-ec cost`: from the local cloud's meter (orders placed by the command
 * itself, the meter read before and after), and what the stack's template says about its
 * functions and what it holds while idle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../../lambdas/shared/dynamodb.js';
import { orderKey } from '../../lambdas/shared/keys.js';
import { OUTSIDE_CALLER, type UsageSnapshot, usageBetween } from '../../local/meter/usage.js';
import { OrdersApi } from '../api.js';
import { documentClient } from '../clients.js';
import { CliError, EXIT } from '../errors.js';
import { hasSettled, shipsOrders } from '../order-state.js';
import { Stores } from '../stores.js';
import type { Target } from '../target.js';
import type { IdleInputs, MeasuredUsage } from './pricing.js';

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** What the synthesized template says: each function's settings by service name, and the idle holdings. */
export interface StackFacts extends Omit<IdleInputs, 'tableBytes'> {
  readonly functions: Record<string, { memoryMb: number; architecture: 'arm64' | 'x86_64' }>;
  readonly apiType: 'http' | 'rest';
}

/** The facts of a CloudFormation template (the file cdk synth writes). */
export function stackFacts(templateFile: string): StackFacts {
  if (!existsSync(templateFile)) {
    throw new CliError(
      `no template ${templateFile} (run npx cdk synth, or pass --template FILE)`,
      EXIT.usage,
    );
  }
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
    Resources?: Record<string, Resource>;
  };
  const entries = Object.entries(template.Resources ?? {});
  const resources = entries.map(([, r]) => r);
  const all = (type: string) => resources.filter((r) => r.Type === type);
  const queueIds = new Set(
    entries.filter(([, r]) => r.Type === 'AWS::SQS::Queue').map(([id]) => id),
  );
  const polledQueues = all('AWS::Lambda::EventSourceMapping').filter((m) => {
    const arn = m.Properties?.EventSourceArn as { 'Fn::GetAtt'?: [string, string] } | undefined;
    return arn?.['Fn::GetAtt'] !== undefined && queueIds.has(arn['Fn::GetAtt'][0]);
  }).length;
  const functions: StackFacts['functions'] = {};
  for (const fn of all('AWS::Lambda::Function')) {
    const props = fn.Properties ?? {};
    const env = (props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const name = env?.POWERTOOLS_SERVICE_NAME;
    if (typeof name !== 'string') continue;
    const arch = (props.Architectures as string[] | undefined)?.[0];
    functions[name] = {
      memoryMb: Number(props.MemorySize ?? 128),
      architecture: arch === 'arm64' ? 'arm64' : 'x86_64',
    };
  }
  const retention = all('AWS::Logs::LogGroup')
    .map((g) => Number(g.Properties?.RetentionInDays))
    .filter((d) => d > 0);
  return {
    functions,
    apiType: all('AWS::ApiGateway::RestApi').length > 0 ? 'rest' : 'http',
    alarms: all('AWS::CloudWatch::Alarm').length,
    polledQueues,
    ssmParameters: all('AWS::SSM::Parameter').length,
    logRetentionDays: retention.length > 0 ? Math.max(...retention) : 0,
  };
}

/** The sku the measurement orders (its stock is topped up for it; its price is 100). */
const PROBE_SKU = 'mini-ec-cost-probe';
const PLACE_CONCURRENCY = 4;
/** Orders placed before the measurement, to start the functions' instances. */
export const WARM_UP_ORDERS = PLACE_CONCURRENCY * 2;
/** The meter must stay still this long before the orders' work counts as done. */
const QUIET_MS = 1_500;

export interface LocalMeasureOptions {
  readonly orders: number;
  readonly timeoutMs: number;
  readonly progress: (message: string) => void;
}

async function readMeter(endpoint: string): Promise<UsageSnapshot> {
  try {
    const response = await fetch(`${endpoint}/usage`, { signal: AbortSignal.timeout(5_000) });
    return (await response.json()) as UsageSnapshot;
  } catch (error) {
    throw new CliError(
      `the local cloud's meter at ${endpoint} did not answer: ${(error as Error).message}`,
      EXIT.failed,
      {
        cause: error,
      },
    );
  }
}

/**
 * Places `orders` orders of the probe sku through the API, waits until every one has settled
 * (shipped, on a target with shipping) and the local cloud is quiet, and returns what the meter counted in between. The command's own
 * reads (the stock, the orders' status) go to DynamoDB unsigned by any function: the meter
 * counts them apart and they are left out.
 */
export async function measureLocal(
  target: Target,
  facts: StackFacts,
  options: LocalMeasureOptions,
): Promise<MeasuredUsage> {
  const meter = target.endpoints?.meter;
  if (!meter)
    throw new CliError(
      'this local cloud has no meter endpoint in its cloud.json (restart it)',
      EXIT.usage,
    );
  const start = await readMeter(meter);
  if (!start.dynamodb.metered) {
    throw new CliError(
      'this local cloud does not meter DynamoDB: start it with npm start -- --meter to measure what an order costs',
      EXIT.usage,
    );
  }
  const stores = new Stores(target);
  const stock = await stores.getStock(PROBE_SKU);
  await stores.setStock(PROBE_SKU, (stock?.available ?? 0) + WARM_UP_ORDERS + options.orders, 100);
  const api = new OrdersApi(target.apiUrl);
  const db = documentClient(target);
  const deadline = Date.now() + options.timeoutMs;
  const run = `cost-${Date.now()}`;
  try {
    // Not measured: the first orders start each function's instances (cold starts, whose init
    // a million orders spread thin); what follows is what a steady stream of orders uses.
    await placeAndSettle(api, db, target, `${run}-warm`, WARM_UP_ORDERS, deadline);
    const before = await quiet(meter, deadline);
    options.progress(`placing ${options.orders} orders of ${PROBE_SKU}…`);
    const placed = await placeAndSettle(api, db, target, run, options.orders, deadline);
    const after = await quiet(meter, deadline);
    return measuredFrom(usageBetween(before, after), placed, facts);
  } finally {
    db.destroy();
  }
}

/**
 * Places `count` orders of the probe sku, PLACE_CONCURRENCY at a time, and waits until each
 * has settled: FAILED, CANCELLED, or CONFIRMED with its shipment requested (../order-state.ts).
 */
async function placeAndSettle(
  api: OrdersApi,
  db: DynamoDBDocumentClient,
  target: Target,
  keyPrefix: string,
  count: number,
  deadline: number,
): Promise<number> {
  const orderIds: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PLACE_CONCURRENCY, count) }, async () => {
      while (next < count) {
        const n = next++;
        const placed = await api.placeOrder([{ sku: PROBE_SKU, qty: 1 }], `${keyPrefix}-${n}`);
        orderIds.push(placed.orderId);
      }
    }),
  );
  for (;;) {
    const items = await batchGetAll(db, target.outputs.OrdersTableName, orderIds.map(orderKey), {
      consistentRead: true,
    });
    const ships = shipsOrders(target.outputs);
    const pending = orderIds.length - items.filter((i) => hasSettled(i, ships)).length;
    if (pending === 0) return orderIds.length;
    if (Date.now() > deadline)
      throw new CliError(
        `${pending} of the ${orderIds.length} orders have not settled yet; try a larger --timeout`,
      );
    await sleep(250);
  }
}

/** The meter once nothing it counts has changed for QUIET_MS. */
async function quiet(meter: string, deadline: number): Promise<UsageSnapshot> {
  let last = await readMeter(meter);
  let stillSince = Date.now();
  for (;;) {
    await sleep(250);
    const now = await readMeter(meter);
    if (activity(now) !== activity(last)) {
      last = now;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= QUIET_MS) return now;
    if (Date.now() > deadline)
      throw new CliError('the local cloud did not come to rest before --timeout');
  }
}

/** What changes when any function works (invocations, SQS moves, function DynamoDB writes). */
function activity(s: UsageSnapshot): string {
  const invocations = Object.values(s.lambda).reduce((n, f) => n + f.invocations, 0);
  const { sent, deleted } = s.sqs.messages;
  return `${invocations}/${sent}/${deleted}/${s.api.requests}`;
}

/** The meter's counts as the pricing reads them. */
function measuredFrom(delta: UsageSnapshot, orders: number, facts: StackFacts): MeasuredUsage {
  const functions: MeasuredUsage['functions'] = {};
  for (const [fn, f] of Object.entries(delta.lambda)) {
    if (f.invocations === 0 && f.logBytes === 0) continue;
    functions[fn] = {
      invocations: f.invocations,
      billedMs: f.billedMs,
      memoryMb: f.memoryMb,
      architecture: facts.functions[fn]?.architecture ?? 'x86_64',
      logBytes: f.logBytes,
    };
  }
  const sqs: Record<string, number> = {};
  for (const [queue, actions] of Object.entries(delta.sqs.byResource)) {
    sqs[queue] = Object.values(actions).reduce((n, v) => n + v, 0);
  }
  const dynamodb: Record<string, { readUnits: number; writeUnits: number }> = {};
  const dynamodbByFunction: Record<string, { readUnits: number; writeUnits: number }> = {};
  for (const [caller, tables] of Object.entries(delta.dynamodb.capacity)) {
    if (caller === OUTSIDE_CALLER) continue; // the CLI's own reads, the host's stream polls
    for (const [table, u] of Object.entries(tables)) {
      for (const [sums, key] of [
        [dynamodb, table],
        [dynamodbByFunction, caller],
      ] as const) {
        const now = sums[key] ?? { readUnits: 0, writeUnits: 0 };
        sums[key] = {
          readUnits: now.readUnits + u.readUnits,
          writeUnits: now.writeUnits + u.writeUnits,
        };
      }
    }
  }
  return {
    orders,
    source: 'the local cloud (its meter)',
    functions,
    api: { type: facts.apiType, requests: delta.api.requests },
    sqs,
    sns: { ...delta.sns.billedRequests },
    dynamodb,
    dynamodbByFunction,
    streamReads: delta.dynamodb.requests.GetRecords ?? 0,
    ssmRequests: Object.values(delta.ssm).reduce((n, v) => n + v, 0),
  };
}
