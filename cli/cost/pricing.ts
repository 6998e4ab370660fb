/**
 * What an order costs: measured usage × the price table (prices/<region>.json). Pure: the
 * usage comes from the local cloud's meter or from CloudWatch metrics (./usage.ts), the
 * prices from a file a reader can check; free tiers are listed beside, never subtracted. Over
 * 300 lines: the price table's shape, the order's lines, the idle month and the comparisons are
 * all pricing, each a short pure function.
 */
import { CliError, EXIT } from '../errors.js';

/** One list price: `usd` per `per` units. */
interface Price {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  readonly read: string;
}

/** One free-tier allowance: `amount` units a month. */
interface FreeTier {
  readonly amount: number;
  readonly per: string;
  readonly terms: string;
  readonly source: string;
}

export const PRICE_KEYS = [
  'lambda.requests',
  'lambda.arm64.gbSeconds',
  'lambda.x86_64.gbSeconds',
  'apigateway.http.requests',
  'apigateway.rest.requests',
  'sqs.standard.requests',
  'sns.standard.publishRequests',
  'dynamodb.onDemand.writeRequestUnits',
  'dynamodb.onDemand.readRequestUnits',
  'dynamodb.storage.gbMonth',
  'dynamodb.streams.readRequests',
  'logs.standard.ingestedGb',
  'logs.storedGbMonth',
  'cloudwatch.alarmMonths',
  'ssm.standard.apiCalls',
  'stepfunctions.standard.transitions',
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

export interface PriceTable {
  readonly region: string;
  readonly currency: string;
  readonly about: string;
  readonly prices: Record<PriceKey, Price>;
  readonly freeTier: Partial<Record<PriceKey, FreeTier>>;
}

/** A price table from its JSON, every price present and sane; a CliError naming the file otherwise. */
export function parsePriceTable(json: unknown, file: string): PriceTable {
  const fail = (why: string) => new CliError(`${file}: ${why}`, EXIT.usage);
  if (typeof json !== 'object' || json === null) throw fail('not a JSON object');
  const table = json as Partial<PriceTable>;
  if (typeof table.region !== 'string' || typeof table.currency !== 'string') {
    throw fail('needs "region" and "currency"');
  }
  for (const key of PRICE_KEYS) {
    const price = table.prices?.[key];
    if (
      !price ||
      !(Number.isFinite(price.usd) && price.usd >= 0) ||
      !(Number.isFinite(price.per) && price.per > 0) ||
      typeof price.source !== 'string'
    ) {
      throw fail(`price "${key}" is missing or not {usd ≥ 0, per > 0, unit, source, read}`);
    }
  }
  return { about: '', freeTier: {}, ...table } as PriceTable;
}

const GIB = 1024 ** 3;
const MILLION = 1_000_000;

/** What was measured over `orders` orders. */
export interface MeasuredUsage {
  readonly orders: number;
  /** Where it was measured: `local cloud`, or the stack and its window. */
  readonly source: string;
  readonly functions: Record<
    string,
    {
      readonly invocations: number;
      readonly billedMs: number;
      readonly memoryMb: number;
      readonly architecture: 'arm64' | 'x86_64';
      readonly logBytes: number;
    }
  >;
  readonly api: { readonly type: 'http' | 'rest'; readonly requests: number };
  /** Billed SQS requests by queue (sends, receives empty or not, deletes, visibility changes). */
  readonly sqs: Record<string, number>;
  /** Billed SNS publish requests (64 KB chunks of each payload) by topic. */
  readonly sns: Record<string, number>;
  /** DynamoDB request units by table. */
  readonly dynamodb: Record<string, { readonly readUnits: number; readonly writeUnits: number }>;
  /** The same units by the function that consumed them, when the source can tell. */
  readonly dynamodbByFunction?: Record<
    string,
    { readonly readUnits: number; readonly writeUnits: number }
  >;
  /** DynamoDB Streams GetRecords (free: Lambda reads the stream). */
  readonly streamReads: number;
  readonly ssmRequests: number;
}

/** One priced item of an order's cost. */
interface CostLine {
  readonly service: string;
  readonly item: string;
  /** The function it is spent in, when it is one function's. */
  readonly function?: string;
  readonly perOrder: number;
  readonly unit: string;
  readonly usdPerMillionOrders: number;
  readonly price: PriceKey;
}

export interface OrderCost {
  readonly orders: number;
  readonly lines: CostLine[];
  readonly byService: Record<string, number>;
  readonly byFunction: Record<string, number>;
  readonly totalUsdPerMillionOrders: number;
}

/** `quantity per order` priced per million orders. */
function line(
  prices: PriceTable,
  price: PriceKey,
  fields: Omit<CostLine, 'usdPerMillionOrders' | 'price' | 'unit'> & { unit?: string },
): CostLine {
  const { usd, per, unit } = prices.prices[price];
  return {
    ...fields,
    unit: fields.unit ?? unit,
    price,
    usdPerMillionOrders: (fields.perOrder * MILLION * usd) / per,
  };
}

/** The cost of one million orders like the measured ones, itemized by service and function. */
export function priceOrders(usage: MeasuredUsage, prices: PriceTable): OrderCost {
  if (!(usage.orders > 0)) throw new CliError('no orders were measured: nothing to divide by');
  const per = (n: number) => n / usage.orders;
  const lines: CostLine[] = [];
  for (const [fn, f] of Object.entries(usage.functions)) {
    lines.push(
      line(prices, 'lambda.requests', {
        service: 'Lambda',
        item: 'requests',
        function: fn,
        perOrder: per(f.invocations),
      }),
      line(
        prices,
        f.architecture === 'arm64' ? 'lambda.arm64.gbSeconds' : 'lambda.x86_64.gbSeconds',
        {
          service: 'Lambda',
          item: `duration (${f.memoryMb} MB, ${f.architecture})`,
          function: fn,
          perOrder: per((f.billedMs / 1000) * (f.memoryMb / 1024)),
          unit: 'GB-seconds',
        },
      ),
      line(prices, 'logs.standard.ingestedGb', {
        service: 'CloudWatch Logs',
        item: 'ingestion',
        function: fn,
        perOrder: per(f.logBytes / GIB),
        unit: 'GB',
      }),
    );
  }
  lines.push(
    line(
      prices,
      usage.api.type === 'http' ? 'apigateway.http.requests' : 'apigateway.rest.requests',
      {
        service: 'API Gateway',
        item: `${usage.api.type.toUpperCase()} API requests`,
        perOrder: per(usage.api.requests),
      },
    ),
  );
  for (const [queue, requests] of Object.entries(usage.sqs)) {
    lines.push(
      line(prices, 'sqs.standard.requests', {
        service: 'SQS',
        item: `requests to ${queue}`,
        perOrder: per(requests),
      }),
    );
  }
  for (const [topic, requests] of Object.entries(usage.sns)) {
    lines.push(
      line(prices, 'sns.standard.publishRequests', {
        service: 'SNS',
        item: `publish requests to ${topic}`,
        perOrder: per(requests),
      }),
    );
  }
  const byFunction = usage.dynamodbByFunction;
  const dynamo = byFunction
    ? Object.entries(byFunction).map(([fn, u]) => ({ fn, what: fn, ...u }))
    : Object.entries(usage.dynamodb).map(([table, u]) => ({ fn: undefined, what: table, ...u }));
  for (const { fn, what, readUnits, writeUnits } of dynamo) {
    const owner = fn ? { function: fn } : {};
    lines.push(
      line(prices, 'dynamodb.onDemand.writeRequestUnits', {
        service: 'DynamoDB',
        item: fn ? 'write request units' : `write request units (${what})`,
        ...owner,
        perOrder: per(writeUnits),
      }),
      line(prices, 'dynamodb.onDemand.readRequestUnits', {
        service: 'DynamoDB',
        item: fn ? 'read request units' : `read request units (${what})`,
        ...owner,
        perOrder: per(readUnits),
      }),
    );
  }
  lines.push(
    {
      service: 'DynamoDB Streams',
      item: 'GetRecords (free when Lambda reads the stream)',
      perOrder: per(usage.streamReads),
      unit: 'requests',
      price: 'dynamodb.streams.readRequests',
      usdPerMillionOrders: 0,
    },
    line(prices, 'ssm.standard.apiCalls', {
      service: 'SSM Parameter Store',
      item: 'GetParameter (chaos settings)',
      perOrder: per(usage.ssmRequests),
    }),
  );
  const sum = (key: (l: CostLine) => string | undefined) => {
    const out: Record<string, number> = {};
    for (const l of lines) {
      const k = key(l);
      if (k !== undefined) out[k] = (out[k] ?? 0) + l.usdPerMillionOrders;
    }
    return out;
  };
  return {
    orders: usage.orders,
    lines,
    byService: sum((l) => l.service),
    byFunction: sum((l) => l.function ?? `(${l.service})`),
    totalUsdPerMillionOrders: lines.reduce((n, l) => n + l.usdPerMillionOrders, 0),
  };
}

/** What the deployed stack holds while nobody orders. */
export interface IdleInputs {
  readonly alarms: number;
  /** SQS queues a Lambda event source polls. */
  readonly polledQueues: number;
  /** Bytes in the tables (DescribeTable's TableSizeBytes, summed). */
  readonly tableBytes: number;
  readonly ssmParameters: number;
  readonly logRetentionDays: number;
}

/**
 * Lambda's SQS event source polls an empty queue with long polls of 20 s from five pollers
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html): 3 receives a
 * minute each, every one a billed request.
 */
const SQS_IDLE_POLLERS = 5;
const SQS_LONG_POLL_SECONDS = 20;
const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface IdleLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usdPerMonth: number;
  readonly price: PriceKey;
}

/** An idle month of the deployed demo, itemized. */
export function priceIdleMonth(
  idle: IdleInputs,
  prices: PriceTable,
): { lines: IdleLine[]; totalUsdPerMonth: number } {
  const cost = (price: PriceKey, quantity: number) =>
    (quantity * prices.prices[price].usd) / prices.prices[price].per;
  const receives =
    idle.polledQueues * SQS_IDLE_POLLERS * (SECONDS_PER_MONTH / SQS_LONG_POLL_SECONDS);
  const tableGb = idle.tableBytes / GIB;
  const lines: IdleLine[] = [
    {
      service: 'SQS',
      item: `empty receives of the event source (${idle.polledQueues} queue × ${SQS_IDLE_POLLERS} pollers, ${SQS_LONG_POLL_SECONDS} s long polls)`,
      quantity: receives,
      unit: 'requests',
      usdPerMonth: cost('sqs.standard.requests', receives),
      price: 'sqs.standard.requests',
    },
    {
      service: 'CloudWatch',
      item: 'alarms',
      quantity: idle.alarms,
      unit: 'alarm-months',
      usdPerMonth: cost('cloudwatch.alarmMonths', idle.alarms),
      price: 'cloudwatch.alarmMonths',
    },
    {
      service: 'DynamoDB',
      item: 'table storage',
      quantity: tableGb,
      unit: 'GB-months',
      usdPerMonth: cost('dynamodb.storage.gbMonth', tableGb),
      price: 'dynamodb.storage.gbMonth',
    },
    {
      service: 'CloudWatch Logs',
      item: `log storage (${idle.logRetentionDays}-day retention: an idle month keeps nothing new)`,
      quantity: 0,
      unit: 'GB-months',
      usdPerMonth: 0,
      price: 'logs.storedGbMonth',
    },
    {
      service: 'SSM Parameter Store',
      item: `${idle.ssmParameters} standard parameters (no charge for standard parameters)`,
      quantity: idle.ssmParameters,
      unit: 'parameters',
      usdPerMonth: 0,
      price: 'ssm.standard.apiCalls',
    },
  ];
  return { lines, totalUsdPerMonth: lines.reduce((n, l) => n + l.usdPerMonth, 0) };
}

/** How far each free-tier allowance goes: the orders a month it would cover (not applied). */
export function freeTierReach(
  cost: OrderCost,
  prices: PriceTable,
): { price: PriceKey; amount: number; terms: string; ordersPerMonth: number }[] {
  const perOrder = new Map<PriceKey, number>();
  for (const l of cost.lines) {
    const key = l.price === 'lambda.x86_64.gbSeconds' ? 'lambda.arm64.gbSeconds' : l.price;
    perOrder.set(key, (perOrder.get(key) ?? 0) + l.perOrder);
  }
  return Object.entries(prices.freeTier).flatMap(([key, tier]) => {
    const used = perOrder.get(key as PriceKey);
    if (!tier || !used) return [];
    return [
      {
        price: key as PriceKey,
        amount: tier.amount,
        terms: tier.terms,
        ordersPerMonth: Math.floor(tier.amount / used),
      },
    ];
  });
}

/**
 * The saga as a Step Functions Standard workflow: the states an order passes through, each
 * entry one billed transition (reserve and charge stay Lambda tasks; the final write is a
 * DynamoDB task). What it would replace here, at most: the worker and the orders queue (the
 * worker also records the other services' facts on the order, which a workflow would not do).
 */
const STEP_FUNCTIONS_PATHS = {
  confirmed: [
    'ReserveInventory',
    'Reserved?',
    'ChargePayment',
    'Charged?',
    'ConfirmOrder',
    'Confirmed',
  ],
  outOfStock: ['ReserveInventory', 'Reserved?', 'FailOrder', 'Failed'],
  declined: [
    'ReserveInventory',
    'Reserved?',
    'ChargePayment',
    'Charged?',
    'ReleaseInventory',
    'FailOrder',
    'Failed',
  ],
} as const;

export function compareStepFunctions(cost: OrderCost, prices: PriceTable, ordersQueue: string) {
  const transitions = STEP_FUNCTIONS_PATHS.confirmed.length;
  const { usd, per } = prices.prices['stepfunctions.standard.transitions'];
  const replaced = cost.lines.filter(
    (l) => l.function === 'worker' || l.item === `requests to ${ordersQueue}`,
  );
  return {
    transitionsPerOrder: transitions,
    stepFunctionsUsdPerMillionOrders: (transitions * MILLION * usd) / per,
    replacedUsdPerMillionOrders: replaced.reduce((n, l) => n + l.usdPerMillionOrders, 0),
    replaced: replaced.map((l) => `${l.service} ${l.item}${l.function ? ` (${l.function})` : ''}`),
  };
}
