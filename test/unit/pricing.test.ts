import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compareStepFunctions,
  freeTierReach,
  type MeasuredUsage,
  PRICE_KEYS,
  type PriceTable,
  parsePriceTable,
  priceIdleMonth,
  priceOrders,
} from '../../cli/cost/pricing.js';

const FILE = new URL('../../prices/us-east-1.json', import.meta.url);
const prices: PriceTable = parsePriceTable(
  JSON.parse(readFileSync(FILE, 'utf8')),
  'us-east-1.json',
);

/** 10 orders: numbers chosen so each line is easy to compute by hand. */
const USAGE: MeasuredUsage = {
  orders: 10,
  source: 'a hand-made test',
  functions: {
    api: {
      invocations: 10,
      billedMs: 1_000,
      memoryMb: 1024,
      architecture: 'arm64',
      logBytes: 1024 ** 3 / 100,
    },
    worker: { invocations: 5, billedMs: 4_000, memoryMb: 512, architecture: 'x86_64', logBytes: 0 },
  },
  api: { type: 'http', requests: 10 },
  sqs: { Orders: 30 },
  sns: { OrderEvents: 5 },
  dynamodb: { Orders: { readUnits: 10, writeUnits: 60 } },
  dynamodbByFunction: {
    api: { readUnits: 0, writeUnits: 60 },
    worker: { readUnits: 10, writeUnits: 0 },
  },
  streamReads: 4,
  ssmRequests: 2,
};

describe('the price table', () => {
  it('names every price the command multiplies by, each with its AWS page and the date it was read', () => {
    for (const key of PRICE_KEYS) {
      const price = prices.prices[key];
      expect(price.source, key).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z-]+\/pricing\//);
      expect(price.read, key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(prices.region).toBe('us-east-1');
  });

  it('refuses a table that lacks a price or has a nonsense one, naming the file', () => {
    const broken = JSON.parse(readFileSync(FILE, 'utf8'));
    delete broken.prices['sqs.standard.requests'];
    expect(() => parsePriceTable(broken, 'mine.json')).toThrow(
      /^mine\.json: price "sqs\.standard\.requests" is missing/,
    );
    const negative = JSON.parse(readFileSync(FILE, 'utf8'));
    negative.prices['lambda.requests'].usd = -1;
    expect(() => parsePriceTable(negative, 'mine.json')).toThrow(/price "lambda\.requests"/);
  });
});

describe('priceOrders', () => {
  const cost = priceOrders(USAGE, prices);
  const usdOf = (service: string, item: string, fn?: string) =>
    cost.lines.find((l) => l.service === service && l.item.startsWith(item) && l.function === fn)
      ?.usdPerMillionOrders;

  it('prices each measured quantity per million orders, as computed by hand', () => {
    // api: 1 request an order × $0.20 per million requests = $0.20 per million orders.
    expect(usdOf('Lambda', 'requests', 'api')).toBeCloseTo(0.2, 10);
    // api: 100 ms × 1 GB = 0.1 GB-s an order × $0.0000133334 (arm64) × 1e6 = $1.33334.
    expect(usdOf('Lambda', 'duration', 'api')).toBeCloseTo(1.33334, 6);
    // worker: 400 ms × 0.5 GB = 0.2 GB-s an order × $0.0000166667 (x86_64) × 1e6 = $3.33334.
    expect(usdOf('Lambda', 'duration', 'worker')).toBeCloseTo(3.33334, 5);
    // worker: 0.5 requests an order = $0.10.
    expect(usdOf('Lambda', 'requests', 'worker')).toBeCloseTo(0.1, 10);
    // api logs: 1/1000 GB an order × $0.50 × 1e6 = $500.
    expect(usdOf('CloudWatch Logs', 'ingestion', 'api')).toBeCloseTo(500, 6);
    // 1 HTTP API request an order = $1.00; 3 SQS requests × $0.40 = $1.20.
    expect(usdOf('API Gateway', 'HTTP API requests')).toBeCloseTo(1, 10);
    expect(usdOf('SQS', 'requests to Orders')).toBeCloseTo(1.2, 10);
    // Half a billed SNS publish request an order × $0.50 a million = $0.25.
    expect(usdOf('SNS', 'publish requests to OrderEvents')).toBeCloseTo(0.25, 10);
    // 6 write units × $0.625 = $3.75 (api); 1 read unit × $0.125 (worker).
    expect(usdOf('DynamoDB', 'write request units', 'api')).toBeCloseTo(3.75, 10);
    expect(usdOf('DynamoDB', 'read request units', 'worker')).toBeCloseTo(0.125, 10);
    expect(usdOf('DynamoDB Streams', 'GetRecords')).toBe(0);
    const total = 0.2 + 1.33334 + 500 + 0.1 + 3.33334 + 0 + 1 + 1.2 + 0.25 + 3.75 + 0.125;
    expect(cost.totalUsdPerMillionOrders).toBeCloseTo(total, 4);
  });

  it('sums by service and by function, the shared services apart', () => {
    expect(cost.byService.Lambda).toBeCloseTo(0.2 + 1.33334 + 0.1 + 3.33334, 5);
    expect(cost.byFunction.api).toBeCloseTo(0.2 + 1.33334 + 500 + 3.75, 5);
    expect(cost.byFunction['(SQS)']).toBeCloseTo(1.2, 10);
    expect(cost.byFunction['(SNS)']).toBeCloseTo(0.25, 10);
    const sum = (o: Record<string, number>) => Object.values(o).reduce((n, v) => n + v, 0);
    expect(sum(cost.byService)).toBeCloseTo(cost.totalUsdPerMillionOrders, 8);
    expect(sum(cost.byFunction)).toBeCloseTo(cost.totalUsdPerMillionOrders, 8);
  });

  it('prices DynamoDB by table when the source cannot tell the functions apart (CloudWatch)', () => {
    const { dynamodbByFunction: _, ...byTable } = USAGE;
    const lines = priceOrders(byTable, prices).lines.filter((l) => l.service === 'DynamoDB');
    expect(lines.map((l) => [l.item, l.function, l.usdPerMillionOrders])).toEqual([
      ['write request units (Orders)', undefined, 3.75],
      ['read request units (Orders)', undefined, 0.125],
    ]);
  });

  it('refuses to divide by no orders', () => {
    expect(() => priceOrders({ ...USAGE, orders: 0 }, prices)).toThrow(/no orders were measured/);
  });

  it('tells how many orders a month each free tier covers, without subtracting it', () => {
    const reach = Object.fromEntries(
      freeTierReach(cost, prices).map((f) => [f.price, f.ordersPerMonth]),
    );
    // 1.5 Lambda requests an order: 1,000,000 / 1.5.
    expect(reach['lambda.requests']).toBe(666_666);
    // 0.1 + 0.2 GB-s an order: 400,000 / 0.3.
    expect(reach['lambda.arm64.gbSeconds']).toBe(1_333_333);
    expect(reach['sqs.standard.requests']).toBe(333_333);
    expect(reach['sns.standard.publishRequests']).toBe(2_000_000);
  });
});

describe('priceIdleMonth', () => {
  it('prices the event source polls, the alarms and the storage of a month nobody orders', () => {
    const idle = priceIdleMonth(
      {
        alarms: 4,
        polledQueues: 1,
        tableBytes: 2 * 1024 ** 3,
        ssmParameters: 2,
        logRetentionDays: 7,
      },
      prices,
    );
    const by = Object.fromEntries(idle.lines.map((l) => [l.service, l]));
    // 5 pollers × (30 days / 20 s) = 648,000 receives × $0.40 per million.
    expect(by.SQS).toMatchObject({ quantity: 648_000 });
    expect(by.SQS?.usdPerMonth).toBeCloseTo(0.2592, 10);
    expect(by.CloudWatch?.usdPerMonth).toBeCloseTo(0.4, 10);
    expect(by.DynamoDB?.usdPerMonth).toBeCloseTo(0.5, 10);
    expect(idle.totalUsdPerMonth).toBeCloseTo(0.2592 + 0.4 + 0.5, 10);
  });
});

describe('compareStepFunctions', () => {
  it('prices the confirmed path as Standard transitions and names what it would replace', () => {
    const cost = priceOrders(USAGE, prices);
    const compared = compareStepFunctions(cost, prices, 'Orders');
    // 6 transitions × $0.025 per 1,000 × 1e6 = $150.
    expect(compared.transitionsPerOrder).toBe(6);
    expect(compared.stepFunctionsUsdPerMillionOrders).toBeCloseTo(150, 10);
    // The worker's lines and the orders queue's requests.
    expect(compared.replacedUsdPerMillionOrders).toBeCloseTo(0.1 + 3.33334 + 0.125 + 1.2, 5);
  });
});
