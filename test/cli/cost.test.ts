/**
 * `mini-ec cost` against a deployed stack, with stubbed CloudWatch and DynamoDB clients (no
 * AWS here): the metrics it asks for, the orders it counts, the usage it derives and prices.
 * The local path runs against a real local cloud in test/e2e/saga.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';

const cloudwatch = mockClient(CloudWatchClient);
const dynamodb = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
let dir: string;
let outputsFile: string;
let templateFile: string;

const fn = (service: string, memory: number, arch: string) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    MemorySize: memory,
    Architectures: [arch],
    Environment: { Variables: { POWERTOOLS_SERVICE_NAME: service } },
  },
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mini-ec-cost-'));
  outputsFile = join(dir, 'cdk-outputs.json');
  templateFile = join(dir, 'MiniEc.template.json');
  writeFileSync(
    outputsFile,
    JSON.stringify({
      MiniEc: {
        ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
        OrdersTableName: 'orders-t',
        InventoryTableName: 'inventory-t',
        PaymentsTableName: 'payments-t',
        OrdersQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-q',
        OrderEventsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:events-t',
        ApiFunctionName: 'api-fn',
        WorkerFunctionName: 'worker-fn',
        ApiLogGroupName: 'api-logs',
        WorkerLogGroupName: 'worker-logs',
      },
    }),
  );
  writeFileSync(
    templateFile,
    JSON.stringify({
      Resources: {
        Api: fn('api', 256, 'arm64'),
        Worker: fn('worker', 512, 'x86_64'),
        Queue: { Type: 'AWS::SQS::Queue' },
        Source: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        },
        Alarm1: { Type: 'AWS::CloudWatch::Alarm' },
        Alarm2: { Type: 'AWS::CloudWatch::Alarm' },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
      },
    }),
  );
});
afterAll(() => {
  cloudwatch.restore();
  dynamodb.restore();
  documents.restore();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  cloudwatch.reset();
  dynamodb.reset();
  documents.reset();
});

async function cost(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['cost', ...args, '--stack-outputs', outputsFile, '--template', templateFile],
    {
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
      env: {},
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** What CloudWatch answers: the sum of each metric, split over two values. */
const SUMS: Record<string, number> = {
  'AWS/Lambda Invocations api-fn': 100,
  'AWS/Lambda Duration api-fn': 4_900,
  'AWS/Lambda Invocations worker-fn': 40,
  'AWS/Lambda Duration worker-fn': 19_960,
  'AWS/Logs IncomingBytes api-logs': 1024 ** 3 / 10,
  'AWS/DynamoDB ConsumedWriteCapacityUnits orders-t': 600,
  'AWS/DynamoDB ConsumedReadCapacityUnits orders-t': 100,
  'AWS/SQS NumberOfMessagesSent orders-q': 100,
  'AWS/SQS NumberOfMessagesReceived orders-q': 110,
  'AWS/SQS NumberOfMessagesDeleted orders-q': 100,
  'AWS/SQS NumberOfEmptyReceives orders-q': 90,
  'AWS/ApiGateway Count abc123': 100,
  'AWS/SNS NumberOfMessagesPublished events-t': 400,
};

function stubMetrics() {
  cloudwatch
    .on(GetMetricDataCommand)
    .callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => {
        const m = q.MetricStat?.Metric;
        const sum = SUMS[`${m?.Namespace} ${m?.MetricName} ${m?.Dimensions?.[0]?.Value}`] ?? 0;
        return { Id: q.Id, Values: [sum / 2, sum / 2] };
      }),
    }));
  documents
    .on(ScanCommand)
    .resolvesOnce({ Count: 60, LastEvaluatedKey: { pk: 'ORDER#x', sk: 'ORDER' } })
    .resolves({ Count: 40 });
  dynamodb.on(DescribeTableCommand).resolves({ Table: { TableSizeBytes: 1024 ** 3 } });
}

describe('mini-ec cost on a deployed stack (CloudWatch metrics)', () => {
  it('sums the window of each metric, counts the orders placed in it and prices an order', async () => {
    stubMetrics();
    const before = Date.now();
    const run = await cost('--since', '2h', '--json');

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const query = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(
      Math.abs(((query?.StartTime as Date | undefined)?.getTime() ?? 0) - (before - 7_200_000)),
    ).toBeLessThan(2_000);
    const asked = (query?.MetricDataQueries ?? []).map(
      (q) =>
        `${q.MetricStat?.Metric?.Namespace} ${q.MetricStat?.Metric?.MetricName} ${q.MetricStat?.Metric?.Dimensions?.[0]?.Value}`,
    );
    expect(asked).toEqual(expect.arrayContaining(Object.keys(SUMS)));
    expect((query?.MetricDataQueries ?? []).every((q) => q.MetricStat?.Stat === 'Sum')).toBe(true);
    const scan = documents.commandCalls(ScanCommand)[0]?.args[0].input;
    expect(scan).toMatchObject({ TableName: 'orders-t', Select: 'COUNT' });
    expect(documents.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      pk: 'ORDER#x',
      sk: 'ORDER',
    });

    const report = JSON.parse(run.out) as {
      measured: {
        orders: number;
        functions: Record<string, { billedMs: number; memoryMb: number; architecture: string }>;
      };
      cost: { lines: { service: string; item: string; function?: string; perOrder: number }[] };
      idleMonth: { lines: { service: string; usdPerMonth: number }[] };
    };
    expect(report.measured.orders).toBe(100);
    // Duration plus 1 ms an invocation (the most Lambda's rounding up can add); the template's settings.
    expect(report.measured.functions.api).toMatchObject({
      billedMs: 5_000,
      memoryMb: 256,
      architecture: 'arm64',
    });
    expect(report.measured.functions.worker).toMatchObject({
      billedMs: 20_000,
      memoryMb: 512,
      architecture: 'x86_64',
    });
    const perOrder = (service: string, item: string, fn?: string) =>
      report.cost.lines.find(
        (l) => l.service === service && l.item.startsWith(item) && l.function === fn,
      )?.perOrder;
    expect(perOrder('Lambda', 'requests', 'worker')).toBeCloseTo(0.4, 10);
    expect(perOrder('Lambda', 'duration', 'api')).toBeCloseTo(0.05 * 0.25, 10);
    expect(perOrder('CloudWatch Logs', 'ingestion', 'api')).toBeCloseTo(0.001, 10);
    expect(perOrder('DynamoDB', 'write request units (orders-t)')).toBeCloseTo(6, 10);
    expect(perOrder('SQS', 'requests to orders-q')).toBeCloseTo(4, 10);
    // Each published message taken as one billed request (an upper bound for PublishBatch).
    expect(perOrder('SNS', 'publish requests to events-t')).toBeCloseTo(4, 10);
    expect(perOrder('API Gateway', 'HTTP API requests')).toBeCloseTo(1, 10);
    // The idle month: one polled queue, two alarms, 1 GB in each of the three tables.
    const idle = Object.fromEntries(report.idleMonth.lines.map((l) => [l.service, l.usdPerMonth]));
    expect(idle.CloudWatch).toBeCloseTo(0.2, 10);
    expect(idle.DynamoDB).toBeCloseTo(0.75, 10);
  });

  it('prints the itemized table, the idle month and the free tiers apart, and the Step Functions comparison', async () => {
    stubMetrics();
    const run = await cost('--compare', 'step-functions');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^what one order uses: 100 orders measured on CloudWatch metrics of /);
    expect(run.out).toMatch(/total: \$\d+\.\d\d per million orders .* before free tiers/);
    expect(run.out).toContain('an idle month of the deployed demo (nobody orders)');
    expect(run.out).toContain('free tiers (not applied above)');
    expect(run.out).toContain(
      '6 state transitions an order (confirmed path): $150.00 per million orders',
    );
  });

  it('says so when no order was placed in the window, and refuses what a stack cannot do', async () => {
    stubMetrics();
    documents.reset();
    documents.on(ScanCommand).resolves({ Count: 0 });
    const none = await cost('--since', '15m');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(
      /^mini-ec: no order was placed in .*: widen --since, or place some first$/,
    );

    const orders = await cost('--orders', '5');
    expect(orders.code).toBe(2);
    expect(orders.err).toMatch(/on a deployed stack cost measures a window/);
    const compare = await cost('--compare', 'ec2');
    expect(compare.code).toBe(2);
    const region = await cost('--region', 'mars-1');
    expect(region.code).toBe(2);
    expect(region.err).toMatch(/--region "mars-1" is not a region name/);
    const unknown = await cost('--region', 'eu-west-1');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /no price table .*prices\/eu-west-1\.json \(only the regions in prices\/ are kept; pass --prices FILE\)/,
    );
  });

  it('measures and prices the shipping function like the others', async () => {
    const withShipping = join(dir, 'with-shipping-outputs.json');
    const shippingTemplate = join(dir, 'with-shipping.template.json');
    const outputs = JSON.parse(readFileSync(outputsFile, 'utf8'));
    outputs.MiniEc.ShippingFunctionName = 'shipping-fn';
    outputs.MiniEc.ShippingLogGroupName = 'shipping-logs';
    writeFileSync(withShipping, JSON.stringify(outputs));
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    template.Resources.Shipping = fn('shipping', 256, 'arm64');
    writeFileSync(shippingTemplate, JSON.stringify(template));
    const shippingSums = {
      'AWS/Lambda Invocations shipping-fn': 100,
      'AWS/Lambda Duration shipping-fn': 900,
    };
    Object.assign(SUMS, shippingSums);
    stubMetrics();

    const out: string[] = [];
    const code = await main(
      ['cost', '--json', '--stack-outputs', withShipping, '--template', shippingTemplate],
      { io: { out: (l) => out.push(l), err: () => undefined }, env: {} },
    ).finally(() => {
      for (const key of Object.keys(shippingSums)) delete SUMS[key];
    });

    expect(code).toBe(0);
    const asked = (
      cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? []
    ).map(
      (q) => `${q.MetricStat?.Metric?.MetricName} ${q.MetricStat?.Metric?.Dimensions?.[0]?.Value}`,
    );
    expect(asked).toEqual(
      expect.arrayContaining([
        'Invocations shipping-fn',
        'Duration shipping-fn',
        'IncomingBytes shipping-logs',
      ]),
    );
    const report = JSON.parse(out.join('\n')) as {
      measured: {
        functions: Record<string, { invocations: number; billedMs: number; memoryMb: number }>;
      };
      cost: { byFunction: Record<string, number> };
    };
    expect(report.measured.functions.shipping).toMatchObject({
      invocations: 100,
      billedMs: 1_000,
      memoryMb: 256,
    });
    expect(report.cost.byFunction.shipping).toBeGreaterThan(0);
  });

  it('turns a CloudWatch error into one line', async () => {
    stubMetrics();
    cloudwatch.reset();
    cloudwatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    const run = await cost();
    expect(run.code).toBe(1);
    expect(run.err).toBe('mini-ec: CloudWatch GetMetricData: AccessDenied: not allowed');
  });
});
