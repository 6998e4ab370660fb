/**
 * `mini-ec trace` against a deployed stack, with a stubbed CloudWatch Logs client (no AWS
 * here): the Logs Insights path (complete, timed out with partial results, failed), the
 * FilterLogEvents path with its pages, and the argument errors. The local path runs against a
 * real local cloud in test/e2e/saga.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { resolveTarget } from '../../cli/target.js';
import { traceCommand } from '../../cli/trace/command.js';
import { invocationsQuery } from '../../cli/trace/sources.js';
import { orderTraceQuery } from '../../lambdas/shared/log-keys.js';
import { type FakeApi, orderBody, startFakeApi } from '../support/fake-api.js';

const ORDER = '01M91CVCEAC65K03HX5KBFYYA7';
const CID = 'cid-stack-1';
const GROUPS = {
  ApiLogGroupName: 'MiniEc-ApiLogs-1',
  OutboxRelayLogGroupName: 'MiniEc-OutboxRelayLogs-2',
  WorkerLogGroupName: 'MiniEc-WorkerLogs-3',
  InventoryLogGroupName: 'MiniEc-InventoryLogs-4',
  PaymentLogGroupName: 'MiniEc-PaymentLogs-5',
};
const FUNCTIONS: [keyof typeof GROUPS, string][] = [
  ['ApiLogGroupName', 'api'],
  ['OutboxRelayLogGroupName', 'outbox-relay'],
  ['WorkerLogGroupName', 'worker'],
  ['InventoryLogGroupName', 'inventory'],
  ['PaymentLogGroupName', 'payment'],
];

const logs = mockClient(CloudWatchLogsClient);
let dir: string;
let outputsFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mini-ec-trace-'));
  outputsFile = join(dir, 'cdk-outputs.json');
  writeFileSync(
    outputsFile,
    JSON.stringify({
      MiniEc: {
        // Nothing listens there: the order's events are "not read", the trace still prints.
        ApiUrl: 'http://127.0.0.1:9/',
        OrdersTableName: 'orders',
        InventoryTableName: 'inventory',
        PaymentsTableName: 'payments',
        ...GROUPS,
      },
    }),
  );
});
afterAll(() => {
  logs.restore();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => logs.reset());

async function trace(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['trace', ...args, '--stack-outputs', outputsFile], {
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    env: { AWS_REGION: 'eu-west-1' },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const at = (ms: number) => new Date(Date.UTC(2026, 11, 4, 20, 0, 0, ms));

/** One function's line about the order, as a Logs Insights row. */
function row(group: string, service: string, requestId: string, ms: number, message: string) {
  const message_ = JSON.stringify({
    level: 'INFO',
    message,
    timestamp: at(ms).toISOString(),
    service,
    function_request_id: requestId,
    correlation_id: CID,
    order_id: ORDER,
  });
  return [
    { field: '@timestamp', value: at(ms).toISOString().replace('T', ' ').slice(0, 23) },
    { field: '@log', value: `123456789012:${group}` },
    { field: '@message', value: message_ },
    { field: '@ptr', value: 'opaque' },
  ];
}

function reportRow(group: string, requestId: string, endMs: number, durationMs: number) {
  return [
    { field: '@timestamp', value: at(endMs).toISOString().replace('T', ' ').slice(0, 23) },
    { field: '@log', value: `123456789012:${group}` },
    {
      field: '@message',
      value: JSON.stringify({
        time: at(endMs).toISOString(),
        type: 'platform.report',
        record: {
          requestId,
          metrics: { durationMs, billedDurationMs: Math.ceil(durationMs) },
          status: 'success',
        },
      }),
    },
  ];
}

/** The order's lines in each of the five log groups, 100 ms apart. */
const LINES = FUNCTIONS.map(([output, service], i) =>
  row(GROUPS[output], service, `req-${service}`, 100 * (i + 1), `${service} did its part`),
);
const REPORTS = FUNCTIONS.map(([output, service], i) =>
  reportRow(GROUPS[output], `req-${service}`, 100 * (i + 1) + 5, 20),
);

describe('mini-ec trace on a deployed stack (Logs Insights)', () => {
  it("runs the stack's trace query over its five log groups, then bounds the invocations it found", async () => {
    logs
      .on(StartQueryCommand)
      .resolvesOnce({ queryId: 'q-lines' })
      .resolves({ queryId: 'q-reports' });
    logs
      .on(GetQueryResultsCommand, { queryId: 'q-lines' })
      .resolvesOnce({ status: 'Running', statistics: { recordsScanned: 1234 } })
      .resolves({ status: 'Complete', results: LINES });
    logs
      .on(GetQueryResultsCommand, { queryId: 'q-reports' })
      .resolves({ status: 'Complete', results: REPORTS });

    const before = Date.now();
    const run = await trace(CID, '--since', '2h');

    expect(run.code).toBe(0);
    const starts = logs.commandCalls(StartQueryCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(2);
    expect(starts[0]?.queryString).toBe(orderTraceQuery(CID));
    expect(starts[0]?.logGroupNames?.sort()).toEqual(Object.values(GROUPS).sort());
    expect(
      Math.abs((starts[0]?.startTime ?? 0) - Math.floor((before - 7_200_000) / 1000)),
    ).toBeLessThanOrEqual(2);
    expect(starts[1]?.queryString).toBe(
      invocationsQuery(FUNCTIONS.map(([, service]) => `req-${service}`)),
    );
    expect(run.err).toContain('Logs Insights: Running, 0 s, 1,234 records scanned');
    // Five functions in time order, each invocation bounded.
    const order = FUNCTIONS.map(([, service]) => run.out.indexOf(`${service} did its part`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(run.out.match(/ START /g)).toHaveLength(5);
    expect(run.out).toContain('↓ 80 ms  api → outbox-relay'); // api END 105 → relay START 205 - 20
    expect(run.out).toContain(`trace of ${CID}: ${ORDER} ?  correlation ${CID}`);
    expect(run.out).toMatch(/events of .*\n {2}not read: GET http:\/\/127\.0\.0\.1:9\/orders/);
  });

  it('stops a query that does not finish in time and shows what it found, marked partial', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-slow' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running', results: LINES.slice(0, 2) });
    logs.on(StopQueryCommand).resolves({ success: true });

    const run = await trace(ORDER, '--timeout', '1');

    expect(run.code).toBe(0);
    expect(logs.commandCalls(StopQueryCommand).map((c) => c.args[0].input.queryId)).toContain(
      'q-slow',
    );
    expect(run.err).toContain('the Logs Insights query did not finish within 1 s (stopped)');
    expect(run.err).toContain('the trace may be incomplete');
    expect(run.out).toContain('api did its part');
    expect(run.out).toContain('outbox-relay did its part');
    expect(run.out).not.toContain('worker did its part');
  }, 20_000);

  it('shows the results of a query CloudWatch timed out as partial, and fails on a failed one', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Timeout', results: LINES.slice(0, 1) });
    const timedOut = await trace(ORDER);
    expect(timedOut.code).toBe(0);
    expect(timedOut.err).toContain('Logs Insights timed the query out');
    expect(timedOut.out).toContain('api did its part');

    logs.reset();
    logs.on(StartQueryCommand).resolves({ queryId: 'q-bad' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Failed' });
    const failed = await trace(ORDER);
    expect(failed.code).toBe(1);
    expect(failed.err).toBe('mini-ec: the Logs Insights query q-bad ended Failed');
    expect(failed.out).toBe('');
  });

  it('says clearly that no line mentions an unknown ID, and exits 1', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
    const run = await trace('cid-nobody');
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      'mini-ec: no log line mentions cid-nobody in 5 log groups (CloudWatch Logs Insights)',
    );
  });

  it('turns an AWS error into one line, and rejects an ID that could not be quoted, before any call', async () => {
    logs
      .on(StartQueryCommand)
      .rejects(
        Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
      );
    const denied = await trace(ORDER);
    expect(denied.code).toBe(1);
    expect(denied.err).toBe(
      'mini-ec: reading 5 log groups (CloudWatch Logs Insights): AccessDeniedException: User is not authorized',
    );

    logs.reset();
    const bad = await trace('x" or 1=1 or "');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/is not an order or correlation ID/);
    const since = await trace(ORDER, '--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.err).toMatch(/--since must look like 90s, 15m, 2h or 7d/);
    expect(logs.calls()).toHaveLength(0);
  });
});

describe('mini-ec trace on a deployed stack (FilterLogEvents, --no-insights)', () => {
  it('filters each log group with a JSON pattern, reads every page, then the invocations found', async () => {
    const event = (cells: { field: string; value: string }[]) => ({
      message: cells.find((c) => c.field === '@message')?.value ?? '',
      timestamp: Date.parse(`${cells[0]?.value.replace(' ', 'T')}Z`),
    });
    logs
      .on(FilterLogEventsCommand)
      .callsFake((input: { logGroupName: string; filterPattern: string; nextToken?: string }) => {
        const index = FUNCTIONS.findIndex(([output]) => GROUPS[output] === input.logGroupName);
        const isReports = input.filterPattern.includes('record.requestId');
        const cells = (isReports ? REPORTS : LINES)[index];
        // The worker's group answers in two pages: the line on the second.
        if (!isReports && FUNCTIONS[index]?.[1] === 'worker' && !input.nextToken) {
          return { events: [], nextToken: 'page-2' };
        }
        return { events: cells ? [event(cells)] : [] };
      });

    const run = await trace(ORDER, '--no-insights', '--json');

    expect(run.code).toBe(0);
    const patterns = logs
      .commandCalls(FilterLogEventsCommand)
      .map((c) => c.args[0].input.filterPattern);
    expect(patterns[0]).toBe(`{ ($.correlation_id = "${ORDER}") || ($.order_id = "${ORDER}") }`);
    expect(patterns.some((p) => p?.includes('($.record.requestId = "req-worker")'))).toBe(true);
    const timeline = JSON.parse(run.out) as {
      functions: string[];
      counts: { lines: number; invocations: number };
      entries: { function: string; kind: string }[];
    };
    expect(timeline.functions).toEqual(FUNCTIONS.map(([, service]) => service));
    expect(timeline.counts).toMatchObject({ lines: 5, invocations: 5 });
    expect(timeline.entries.filter((e) => e.kind === 'start')).toHaveLength(5);
  });
});

describe('mini-ec trace --follow on a deployed stack with the shipping service', () => {
  let api: FakeApi | undefined;
  afterAll(async () => {
    await api?.stop();
  });

  const SHIPPING_GROUP = 'MiniEc-ShippingLogs-6';

  /** Follows ORDER on a stack whose API answers `orders` in turn (contract-checked). */
  async function follow(orders: Record<string, unknown>[], outputs: Record<string, string>) {
    await api?.stop();
    api = await startFakeApi({
      placed: { status: 202, body: {} },
      orders: orders.map((body) => ({ status: 200, body })),
    });
    const file = join(dir, `follow-${Math.random()}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        MiniEc: {
          ApiUrl: `${api.url}/`,
          OrdersTableName: 'orders',
          InventoryTableName: 'inventory',
          PaymentsTableName: 'payments',
          ...GROUPS,
          ...outputs,
        },
      }),
    );
    logs.on(StartQueryCommand).resolves({ queryId: 'q' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: LINES });
    const out: string[] = [];
    const err: string[] = [];
    const target = resolveTarget({ stackOutputs: file, env: { AWS_REGION: 'eu-west-1' } });
    const code = await traceCommand(
      {
        io: { out: (l) => out.push(l), err: (l) => err.push(l) },
        json: false,
        target: () => target,
      },
      [ORDER],
      { follow: true, timeout: '1', stackOutputs: file, followIntervalMs: 50 },
    ).catch((error: Error) => {
      err.push(error.message);
      return 1;
    });
    const orderReads = api.requests.filter((r) => r.path === `/orders/${ORDER}`).length;
    return { code, out: out.join('\n'), err: err.join('\n'), orderReads };
  }
  const shipping = {
    ShippingFunctionName: 'MiniEc-Shipping',
    ShippingLogGroupName: SHIPPING_GROUP,
  };

  it('reads the shipping function’s log group with the others, and follows a CONFIRMED order until its shipment is requested', async () => {
    const run = await follow(
      [orderBody('CONFIRMED'), orderBody('CONFIRMED', { shipment: { status: 'REQUESTED' } })],
      shipping,
    );

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const groups = logs.commandCalls(StartQueryCommand)[0]?.args[0].input.logGroupNames;
    expect(groups?.sort()).toEqual([...Object.values(GROUPS), SHIPPING_GROUP].sort());
    expect(run.orderReads).toBeGreaterThanOrEqual(3); // CONFIRMED, then shipped, then the summary
    expect(run.out).toContain(`trace of ${ORDER}: ${ORDER} CONFIRMED shipment REQUESTED`);
  });

  it('takes a CANCELLED order as settled', async () => {
    const run = await follow(
      [
        orderBody('CANCELLED', {
          reason: 'SHIPPING_FAILED',
          shipment: { status: 'FAILED', reason: 'SKU_CANNOT_SHIP' },
        }),
      ],
      shipping,
    );

    expect(run.code).toBe(0);
    expect(run.out).toContain(
      `${ORDER} CANCELLED (SHIPPING_FAILED) shipment FAILED (SKU_CANNOT_SHIP)`,
    );
  });

  it('does not take a CONFIRMED order without its shipment as settled, but does on a stack without shipping', async () => {
    const waiting = await follow([orderBody('CONFIRMED')], shipping);
    const older = await follow([orderBody('CONFIRMED')], {});

    expect(waiting.code).toBe(1);
    expect(waiting.err).toBe(
      `the order has not settled after 1 s (follow it again with mini-ec trace ${ORDER} --follow)`,
    );
    expect(older.code).toBe(0);
  });
});
