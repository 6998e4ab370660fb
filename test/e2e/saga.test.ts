import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARM_UP_ORDERS } from '../../cli/cost/usage.js';
import { SNS_DELIVERY } from '../../local/meter/sqs-meter.js';
import { ApiClient, type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import { runCli } from '../support/cli.js';

describe('the order saga on the local cloud', () => {
  let cloud: E2eCloud;
  let api: ApiClient;

  beforeAll(async () => {
    // Metered (DynamoDB request units by function): mini-ec cost measures against it.
    cloud = await startE2eCloud(undefined, { meter: true });
    api = new ApiClient(cloud.apiUrl);
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  it('runs the seed demo: one coffee, a replayed double submit, CONFIRMED, then OUT_OF_STOCK', async () => {
    await cloud.setStock('coffee', 1, 500);
    const order = { items: [{ sku: 'coffee', qty: 1 }] };
    const headers = { 'idempotency-key': 'demo-001', 'x-correlation-id': 'cid-demo-001' };

    const first = await api.placeOrder(order, headers);
    const again = await api.placeOrder(order, headers);

    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'PENDING', correlationId: 'cid-demo-001' });
    expect(first.headers.get('location')).toBe(`/orders/${String(first.body.orderId)}`);
    expect(first.headers.get('x-correlation-id')).toBe('cid-demo-001');
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const settled = await api.waitForOutcome(String(first.body.orderId));
    expect(settled).toMatchObject({ status: 'CONFIRMED', total: 500, currency: 'JPY' });
    expect(await cloud.stock('coffee')).toMatchObject({ available: 0 });

    const next = await api.placeOrder(order, { 'idempotency-key': 'demo-002' });
    expect(next.status).toBe(202);
    const failed = await api.waitForOutcome(String(next.body.orderId));
    expect(failed).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK' });
    expect(await cloud.paymentsOf(String(next.body.orderId))).toEqual([]);
  });

  it('answers 422 to the same key with another body, and writes nothing for it', async () => {
    await cloud.setStock('tea', 10, 300);
    const key = randomUUID();
    const first = await api.placeOrder(
      { items: [{ sku: 'tea', qty: 1 }] },
      { 'idempotency-key': key },
    );
    const ordersBefore = await cloud.countOrders();
    const other = await api.placeOrder(
      { items: [{ sku: 'tea', qty: 2 }] },
      { 'idempotency-key': key },
    );

    expect(first.status).toBe(202);
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(await cloud.countOrders()).toBe(ordersBefore);
  });

  it('creates one order for two concurrent requests with one key', async () => {
    await cloud.setStock('mug', 10, 1200);
    const before = await cloud.countOrders();
    const key = randomUUID();
    const body = { items: [{ sku: 'mug', qty: 1 }] };

    const answers = await Promise.all([
      api.placeOrder(body, { 'idempotency-key': key }),
      api.placeOrder(body, { 'idempotency-key': key }),
    ]);

    const statuses = answers.map((a) => a.status).sort();
    expect(
      [
        ['202', '202'],
        ['202', '409'],
      ].map(String),
    ).toContain(statuses.map(String).join(','));
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.body.orderId);
    expect(new Set(accepted).size).toBe(1);
    expect(await cloud.countOrders()).toBe(before + 1);
  });

  it('releases the reservation and ends FAILED/PAYMENT_DECLINED when the payment is declined', async () => {
    await cloud.setStock('watch', 3, 150_000);
    const placed = await api.placeOrder({ items: [{ sku: 'watch', qty: 1 }] });

    const settled = await api.waitForOutcome(String(placed.body.orderId));

    expect(settled).toMatchObject({ status: 'FAILED', reason: 'PAYMENT_DECLINED' });
    expect(await cloud.stock('watch')).toMatchObject({ available: 3, reserved: 0 });
    const events = await api.get(`/orders/${String(placed.body.orderId)}/events`);
    const types = (events.body.events as { type: string }[]).map((e) => e.type);
    expect(types).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'inventory.released.v1',
      'order.failed.v1',
    ]);
  });

  it('charges once when the same order.placed event is delivered twice', async () => {
    await cloud.setStock('beans', 5, 800);
    const placed = await api.placeOrder({ items: [{ sku: 'beans', qty: 2 }] });
    const orderId = String(placed.body.orderId);
    await api.waitForOutcome(orderId);
    const events = await api.get(`/orders/${orderId}/events`);
    const placedEvent = (events.body.events as { type: string }[]).find(
      (e) => e.type === 'order.placed.v1',
    );

    await cloud.sendToOrdersQueue(placedEvent);
    await cloud.waitForQueuesToDrain();

    const payments = await cloud.paymentsOf(orderId);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ amount: 1600, status: 'CHARGED' });
    expect(await cloud.stock('beans')).toMatchObject({ available: 3 });
  });

  it('carries the correlation ID into log lines of all six functions', async () => {
    await cloud.setStock('cookie', 5, 200);
    const correlationId = `cid-${randomUUID()}`;
    const placed = await api.placeOrder(
      { items: [{ sku: 'cookie', qty: 1 }] },
      { 'x-correlation-id': correlationId },
    );
    await api.waitForOutcome(String(placed.body.orderId));
    await cloud.waitForQueuesToDrain();

    const functions = cloud.functionsThatLogged(correlationId);
    expect([...functions].sort()).toEqual([
      'api',
      'inventory',
      'outbox-relay',
      'payment',
      'shipping',
      'worker',
    ]);
  });

  it('traces an order with npx mini-ec trace: all six functions in time order, its hops and events', async () => {
    await cloud.setStock('cookie', 5, 200);
    const correlationId = `cid-trace-${randomUUID()}`;
    const placed = await api.placeOrder(
      { items: [{ sku: 'cookie', qty: 1 }] },
      { 'x-correlation-id': correlationId },
    );
    const orderId = String(placed.body.orderId);
    await api.waitForOutcome(orderId);
    await cloud.waitForQueuesToDrain();

    // --follow ends once the order is final; the relay's last lines may come after it.
    const followed = await runCli(['trace', correlationId, '--follow', '--timeout', '30'], {
      cloudFile: cloud.cloudFile,
    });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(`trace of ${correlationId}: ${orderId} CONFIRMED`);

    const run = await runCli(['trace', orderId, '--json'], { cloudFile: cloud.cloudFile });
    expect(run.code).toBe(0);
    const trace = run.json<{
      functions: string[];
      correlationIds: string[];
      entries: { time: number; function: string; kind: string; message: string }[];
      hops: { from: string; to: string; ms: number }[];
      orders: { orderId: string; status: string; events: { type: string }[] }[];
    }>();
    expect([...trace.functions].sort()).toEqual([
      'api',
      'inventory',
      'outbox-relay',
      'payment',
      'shipping',
      'worker',
    ]);
    expect(trace.correlationIds).toEqual([correlationId]);
    const times = trace.entries.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Every invocation is bounded by Lambda's REPORT: one START and one END each.
    const starts = trace.entries.filter((e) => e.kind === 'start').length;
    expect(starts).toBeGreaterThanOrEqual(6);
    expect(trace.entries.filter((e) => e.kind === 'end')).toHaveLength(starts);
    expect(trace.hops.map((h) => `${h.from} → ${h.to}`)).toEqual(
      expect.arrayContaining([
        'api → outbox-relay',
        'outbox-relay → worker',
        'worker → inventory',
        'inventory → worker',
        'worker → payment',
        'payment → worker',
        'outbox-relay → shipping',
        'shipping → outbox-relay',
      ]),
    );
    expect(trace.orders).toMatchObject([{ orderId, status: 'CONFIRMED' }]);
    expect(trace.orders[0]?.events.map((e) => e.type)).toEqual([
      'order.placed.v1',
      'inventory.reserved.v1',
      'payment.charged.v1',
      'order.confirmed.v1',
      'shipping.requested.v1',
    ]);

    const unknown = await runCli(['trace', 'cid-nobody-at-all'], { cloudFile: cloud.cloudFile });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^mini-ec: no log line mentions cid-nobody-at-all in the log files in /,
    );
  });

  it('measures what an order uses with npx mini-ec cost: the orders it placed, each function, the units of their items', async () => {
    const { sqs: sqsBefore, sns: snsBefore } = cloud.cloud.usage();
    const run = await runCli(['cost', '--orders', '10', '--json'], {
      cloudFile: cloud.cloudFile,
      timeoutMs: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = run.json<{
      measured: {
        orders: number;
        functions: Record<string, { invocations: number; billedMs: number; logBytes: number }>;
        api: { requests: number };
        sqs: Record<string, number>;
        sns: Record<string, number>;
        dynamodbByFunction: Record<string, { readUnits: number; writeUnits: number }>;
      };
      cost: { totalUsdPerMillionOrders: number; byFunction: Record<string, number> };
      idleMonth: { totalUsdPerMonth: number };
    }>();
    const { measured } = report;
    expect(measured.orders).toBe(10);
    // Every order: one API request and one api invocation; one reserve and one charge.
    expect(measured.api.requests).toBe(10);
    expect(measured.functions.api?.invocations).toBe(10);
    expect(measured.functions.inventory?.invocations).toBe(10);
    expect(measured.functions.payment?.invocations).toBe(10);
    // The relay, the worker and shipping take batches: at least one invocation, at most one a
    // message (the worker's are order.placed.v1 and shipping.requested.v1).
    expect(measured.functions['outbox-relay']?.invocations).toBeGreaterThanOrEqual(1);
    expect(measured.functions.worker?.invocations).toBeLessThanOrEqual(20);
    expect(measured.functions.shipping?.invocations).toBeGreaterThanOrEqual(1);
    expect(measured.functions.shipping?.invocations).toBeLessThanOrEqual(10);
    for (const fn of ['api', 'outbox-relay', 'worker', 'inventory', 'payment', 'shipping']) {
      expect(measured.functions[fn]?.billedMs, fn).toBeGreaterThan(0);
      expect(measured.functions[fn]?.logBytes, fn).toBeGreaterThan(0);
    }
    const queue = Object.keys(measured.sqs).find((q) => q.startsWith('OrdersQueue')) ?? '';
    expect(measured.sqs[queue]).toBeGreaterThan(0);
    // The relay publishes the five events of each order (placed, reserved, charged, confirmed,
    // and shipping's shipping.requested) in batches of up to ten: fewer PublishBatch requests
    // than events. The orders queue's subscription takes order.placed.v1 and shipping's fact,
    // two messages an order; the shipping queue's takes order.confirmed.v1. (The command
    // first places WARM_UP_ORDERS it does not measure.)
    const { sqs: sqsAfter, sns: snsAfter } = cloud.cloud.usage();
    const placed = 10 + WARM_UP_ORDERS;
    expect(snsAfter.published - snsBefore.published).toBe(5 * placed);
    const batches = (snsAfter.requests.PublishBatch ?? 0) - (snsBefore.requests.PublishBatch ?? 0);
    expect(batches).toBeGreaterThanOrEqual(5);
    expect(batches).toBeLessThan(5 * placed);
    expect(
      (sqsAfter.byResource[queue]?.[SNS_DELIVERY] ?? 0) -
        (sqsBefore.byResource[queue]?.[SNS_DELIVERY] ?? 0),
    ).toBe(2 * placed);
    expect(sqsAfter.messages.sent - sqsBefore.messages.sent).toBe(3 * placed);
    const topic = Object.keys(measured.sns).find((t) => t.startsWith('OrderEvents')) ?? '';
    expect(measured.sns[topic], JSON.stringify(measured.sns)).toBeGreaterThan(0);
    // Request units, per order, from the items' sizes (each under 1 KB): the api reads the
    // catalog item (strongly consistent, 1) and its transaction writes the order, its event and
    // the key's guard (3 × 2); the worker, on a message's first receive, reads nothing and
    // writes the order's status with three events in one transaction (4 × 2), and on
    // shipping.requested.v1 the fact and the order's shipment in one transaction (2 × 2);
    // inventory its stock and the reservation (2 × 2); payment one put; shipping the shipment
    // and its event in one transaction (2 × 2).
    const units = measured.dynamodbByFunction;
    expect(units.api).toEqual({ readUnits: 10 * 1, writeUnits: 10 * 6 });
    expect(units.worker).toEqual({ readUnits: 0, writeUnits: 10 * (8 + 4) });
    expect(units.shipping).toEqual({ readUnits: 0, writeUnits: 10 * 4 });
    expect(units.inventory?.writeUnits).toBe(10 * 4);
    expect(units.payment?.writeUnits).toBe(10 * 1);
    expect(report.cost.totalUsdPerMillionOrders).toBeGreaterThan(0);
    expect(report.idleMonth.totalUsdPerMonth).toBeGreaterThan(0);
  });

  it('lets an operator stock a sku, place an order and see its payment with npx mini-ec', async () => {
    const cli = (args: string[]) => runCli([...args, '--json'], { cloudFile: cloud.cloudFile });

    const stocked = await cli(['stock', 'set', 'tote', '2', '--price', '900']);
    const ordered = await cli(['order', 'tote=2', '--key', `cli-${randomUUID()}`]);
    const order = ordered.json<{ orderId: string; status: string; total: number }>();
    const payments = await cli(['payments', 'list', '--order', order.orderId]);
    const stock = await cli(['stock', 'get', 'tote']);

    expect(stocked.code).toBe(0);
    expect(ordered.code).toBe(0);
    expect(order).toMatchObject({ status: 'CONFIRMED', total: 1800 });
    expect(payments.json()).toMatchObject([{ amount: 1800, status: 'CHARGED' }]);
    expect(stock.json()).toMatchObject({ sku: 'tote', price: 900, available: 0, reserved: 2 });
  });
});
