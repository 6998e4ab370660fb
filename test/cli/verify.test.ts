/**
 * `verify` and the stock ledger on DynamoDB Local. The table states are written by the real
 * stores and use cases of the functions (the API's PlaceOrder, the worker's
 * DynamoSagaOrderStore, the inventory and payment stores, shipping, the compensations of a
 * failed shipment and the order service's OrderFacts) and by `Stores.setStock`; each invariant
 * is then broken the way a bug would break it, and must be reported — in process and by the
 * `mini-ec` bin, exit 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVARIANTS, type VerifyOptions, type VerifyReport } from '../../cli/invariants.js';
import { Stores } from '../../cli/stores.js';
import { resolveTarget, type Target } from '../../cli/target.js';
import { verifyInvariants } from '../../cli/verify.js';
import { DynamoOrderStore } from '../../lambdas/api/order-store.js';
import { PlaceOrder } from '../../lambdas/api/use-cases.js';
import { InventoryUnavailableError, OutOfStockError } from '../../lambdas/inventory/errors.js';
import { DynamoInventoryStore } from '../../lambdas/inventory/inventory-store.js';
import { Inventory } from '../../lambdas/inventory/use-cases.js';
import { DynamoPaymentStore } from '../../lambdas/payment/payment-store.js';
import { Payments } from '../../lambdas/payment/use-cases.js';
import type { OrderLine } from '../../lambdas/shared/commands.js';
import {
  buildEvent,
  type CloudEvent,
  EVENT_SOURCES,
  type EventType,
} from '../../lambdas/shared/events.js';
import { newOrderId } from '../../lambdas/shared/ids.js';
import {
  orderEventKey,
  orderKey,
  outboxEventKey,
  paymentKey,
  reservationKey,
  shipmentKey,
  stockKey,
} from '../../lambdas/shared/keys.js';
import type { Log } from '../../lambdas/shared/powertools.js';
import { parseConfirmedOrder } from '../../lambdas/shipping/domain.js';
import { DynamoShipmentStore } from '../../lambdas/shipping/shipment-store.js';
import { Shipping } from '../../lambdas/shipping/use-cases.js';
import { OrderFacts } from '../../lambdas/worker/order-facts.js';
import { DynamoOrderFactStore } from '../../lambdas/worker/order-facts-store.js';
import { DynamoSagaOrderStore } from '../../lambdas/worker/order-store.js';
import { runCli } from '../support/cli.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';

let dynamo: LocalDynamo;
let dir: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  dir = mkdtempSync(join(tmpdir(), 'mini-ec-verify-'));
});

afterAll(async () => {
  await dynamo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Item = Record<string, unknown>;
/** The functions' log lines are not what these tests look at. */
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** Four fresh tables, a cloud file for the CLI, and the stores that write them. */
async function newWorld() {
  const outputs = {
    ApiUrl: 'http://127.0.0.1:9/',
    OrdersTableName: await dynamo.createTable('orders'),
    InventoryTableName: await dynamo.createTable('inventory'),
    PaymentsTableName: await dynamo.createTable('payments'),
    ShipmentsTableName: await dynamo.createTable('shipments'),
  };
  const cloudFile = join(dir, `${outputs.OrdersTableName}.json`);
  writeFileSync(
    cloudFile,
    JSON.stringify({
      apiUrl: 'http://127.0.0.1:9', // verify needs no API
      region: 'us-east-1',
      endpoints: { dynamodb: dynamo.endpoint },
      outputs,
    }),
  );
  const target: Target = resolveTarget({ cloudFile, env: {} });
  const db = dynamo.db;
  const stores = new Stores(target);
  const placeOrder = new PlaceOrder(new DynamoOrderStore(db, outputs.OrdersTableName), 'JPY');
  const saga = new DynamoSagaOrderStore(db, outputs.OrdersTableName);
  const inventory = new DynamoInventoryStore(db, outputs.InventoryTableName);
  const payments = new DynamoPaymentStore(db, outputs.PaymentsTableName);
  const placed = new Map<string, { lines: OrderLine[]; total: number }>();
  const linesOf = (orderId: string): OrderLine[] => placed.get(orderId)?.lines ?? [];
  const totalOf = (orderId: string): number => placed.get(orderId)?.total ?? 0;
  const confirmed = new Map<string, CloudEvent<'order.confirmed.v1'>>();

  const world = {
    target,
    cloudFile,
    outputs,
    stores,
    inventory,
    payments,
    /** POST /orders as the API function does it; the order is priced from the catalog. */
    async place(items: Record<string, number>): Promise<string> {
      const lines = Object.entries(items).map(([sku, qty]) => ({ sku, qty }));
      const { orderId } = await placeOrder.execute({
        idempotencyKey: `key-${Math.random()}`,
        request: { items: lines },
        correlationId: `cid-${Math.random()}`,
      });
      const order = await saga.getOrder(orderId);
      placed.set(orderId, { lines, total: Number(order?.total) });
      return orderId;
    },
    lines: linesOf,
    reserve: (orderId: string) => inventory.reserve(orderId, linesOf(orderId)),
    release: (orderId: string) =>
      inventory.releaseReserved({ orderId, status: 'RESERVED', items: linesOf(orderId) }),
    charge: (orderId: string, amount = totalOf(orderId)) =>
      payments.putCharge({ orderId, paymentId: `pay-${orderId}`, amount, currency: 'JPY' }),
    /** The worker's last step: the status and its event, in one transaction. */
    confirm: async (orderId: string, noShip: string[] = []) => {
      const event = buildEvent({
        type: 'order.confirmed.v1',
        source: EVENT_SOURCES.worker,
        orderId,
        correlationId: 'cid',
        sagaId: orderId,
        data: {
          orderId,
          total: totalOf(orderId),
          currency: 'JPY',
          items: linesOf(orderId),
          noShip,
        },
      });
      confirmed.set(orderId, event);
      expect(await saga.finish(orderId, { status: 'CONFIRMED', event, steps: [] })).toBe(true);
    },
    ...choreography(outputs, confirmed),
    fail: async (orderId: string, reason: string) => {
      const event = buildEvent({
        type: 'order.failed.v1',
        source: EVENT_SOURCES.worker,
        orderId,
        correlationId: 'cid',
        sagaId: orderId,
        data: { orderId, reason },
      });
      expect(await saga.finish(orderId, { status: 'FAILED', reason, event, steps: [] })).toBe(true);
    },
    /** The sku's ledger items (consistent read). */
    ledger: async (sku: string): Promise<Item[]> => {
      const { Items } = await db.send(
        new QueryCommand({
          TableName: outputs.InventoryTableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
          ExpressionAttributeValues: { ':pk': stockKey(sku).pk, ':ledger': 'LEDGER#' },
          ConsistentRead: true,
        }),
      );
      return Items ?? [];
    },
  };
  return world;
}
type World = Awaited<ReturnType<typeof newWorld>>;

/**
 * The choreography after an order is confirmed, as the functions run it on each fact the relay
 * carries (read from the outbox that wrote it): shipping ships the order, the order service
 * records the fact; on a failed shipment payment refunds, inventory releases, and the order
 * service cancels the order once it has both.
 */
function choreography(
  outputs: Record<
    'OrdersTableName' | 'InventoryTableName' | 'PaymentsTableName' | 'ShipmentsTableName',
    string
  >,
  confirmed: ReadonlyMap<string, CloudEvent<'order.confirmed.v1'>>,
) {
  const db = dynamo.db;
  const shipmentStore = new DynamoShipmentStore(db, outputs.ShipmentsTableName);
  const shipping = new Shipping(shipmentStore);
  const orderFacts = new OrderFacts(new DynamoOrderFactStore(db, outputs.OrdersTableName));
  const payments = new Payments(new DynamoPaymentStore(db, outputs.PaymentsTableName), 1_000_000);
  const inventory = new Inventory(new DynamoInventoryStore(db, outputs.InventoryTableName));
  /** The event of `type` in a table's outbox, beside the item `of` (what the relay publishes). */
  const outboxEvent = async <T extends EventType>(table: string, of: { pk: string }, type: T) => {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: outboxEventKey(of, type), ConsistentRead: true }),
    );
    expect(Item?.event).toBeDefined();
    return Item?.event as CloudEvent<T>;
  };
  return {
    shipmentStore,
    /** Shipping on the order's order.confirmed.v1; the order service records its answer. */
    ship: async (orderId: string) => {
      const event = confirmed.get(orderId);
      const order = parseConfirmedOrder(event?.data);
      if (!event || !order) throw new Error(`order ${orderId} was not confirmed`);
      const outcome = await shipping.ship(order, event);
      if (!outcome.created) throw new Error(`order ${orderId} was shipped already`);
      const type =
        outcome.shipment.status === 'REQUESTED' ? 'shipping.requested.v1' : 'shipping.failed.v1';
      await orderFacts.record(
        await outboxEvent(outputs.ShipmentsTableName, shipmentKey(orderId), type),
        quiet,
      );
    },
    /** Payment refunds on shipping.failed.v1; `release` false: inventory never heard of it. */
    compensate: async (orderId: string, { release = true } = {}) => {
      const failed = await outboxEvent(
        outputs.ShipmentsTableName,
        shipmentKey(orderId),
        'shipping.failed.v1',
      );
      await payments.compensateShipment(failed);
      const refunded = await outboxEvent(
        outputs.PaymentsTableName,
        paymentKey(orderId),
        'payment.refunded.v1',
      );
      await orderFacts.record(refunded, quiet);
      if (!release) return;
      await inventory.compensateShipment(refunded);
      const released = await outboxEvent(
        outputs.InventoryTableName,
        reservationKey(orderId),
        'inventory.released.v1',
      );
      await orderFacts.record(released, quiet);
    },
    /** The order service's cancel, whatever it heard (as a bug that skipped its check would). */
    cancelAnyway: (orderId: string) =>
      new DynamoOrderFactStore(db, outputs.OrdersTableName).cancel(
        orderId,
        buildEvent({
          type: 'order.cancelled.v1',
          source: EVENT_SOURCES.worker,
          orderId,
          correlationId: 'cid',
          sagaId: orderId,
          data: { orderId, reason: 'SHIPPING_FAILED' },
        }),
      ),
  };
}

/**
 * A state every saga outcome left behind: pens and cups stocked, and mugs that cannot ship; A
 * CONFIRMED and shipped, B declined (FAILED, released, payment voided), C still PENDING holding
 * a cup, D OUT_OF_STOCK, E given up after its charge (refunded, released), F confirmed but its
 * mug cannot ship (refunded, released, CANCELLED), then pens restocked.
 */
async function sagaWorld() {
  const w = await newWorld();
  await w.stores.setStock('pen', 10, 100);
  await w.stores.setStock('cup', 5, 250);
  await w.stores.setStock('mug', 2, 900, { noShip: true });

  const a = await w.place({ pen: 2, cup: 1 });
  await w.reserve(a);
  await w.charge(a);
  await w.confirm(a);
  await w.ship(a);

  const b = await w.place({ pen: 1 });
  await w.reserve(b);
  await w.payments.putVoidedTombstone(b);
  await w.release(b);
  await w.fail(b, 'PAYMENT_DECLINED');

  const c = await w.place({ cup: 1 });
  await w.reserve(c);

  const d = await w.place({ pen: 50 });
  await expect(w.reserve(d)).rejects.toBeInstanceOf(OutOfStockError);
  await w.fail(d, 'OUT_OF_STOCK');

  const e = await w.place({ cup: 2 });
  await w.reserve(e);
  await w.charge(e);
  await w.payments.markRefunded(e);
  await w.release(e);
  await w.fail(e, 'GAVE_UP');

  const f = await w.place({ mug: 1 });
  await w.reserve(f);
  await w.charge(f);
  await w.confirm(f, ['mug']);
  await w.ship(f);
  await w.compensate(f);

  await w.stores.setStock('pen', 20, 100);
  return { w, a, b, c, d, e, f };
}

/**
 * Asserts that verify reports exactly `expected` violations of one invariant, and that the
 * bin, given the same options, prints the same report with --json and exits 1.
 */
async function expectOnly(
  w: World,
  invariant: string,
  subjects: string[],
  options: VerifyOptions = {},
  cliArgs: string[] = [],
): Promise<VerifyReport> {
  const report = await verifyInvariants(w.target, options);
  expect(report.violations.map((v) => v.invariant)).toEqual(subjects.map(() => invariant));
  expect(report.violations.map((v) => v.subject).sort()).toEqual([...subjects].sort());
  expect(report.counts.violations).toBe(subjects.length);

  const run = await runCli(['verify', '--json', ...cliArgs], { cloudFile: w.cloudFile });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(1);
  // Same report from the bin; only the time-dependent figures (a PENDING order's age) may differ.
  const timeless = (violations: VerifyReport['violations']) =>
    violations.map((v) => ({ ...v, detail: v.detail.replace(/\d+ s\b/g, 'N s') }));
  expect(timeless(run.json<VerifyReport>().violations)).toEqual(timeless(report.violations));
  return report;
}

describe('verify on the tables the saga leaves behind', () => {
  it('passes a consistent state, counts what it saw, and the bin prints the counts and exits 0', async () => {
    const { w, a, b, c, d, e, f } = await sagaWorld();

    const report = await verifyInvariants(w.target, { acceptedOrderIds: [a, b, c, d, e, f] });
    const run = await runCli(['verify'], { cloudFile: w.cloudFile });

    expect(report.violations).toEqual([]);
    expect(report.counts).toEqual({
      'orders CONFIRMED': 1,
      'orders CANCELLED/SHIPPING_FAILED': 1,
      'orders FAILED/PAYMENT_DECLINED': 1,
      'orders FAILED/OUT_OF_STOCK': 1,
      'orders FAILED/GAVE_UP': 1,
      'orders PENDING': 1,
      // every order's placed, A's and F's confirmed, B's, D's and E's failed, F's cancelled
      events: 6 + 2 + 3 + 1,
      // A's shipping.requested.v1; F's shipping.failed.v1, payment.refunded.v1, inventory.released.v1
      facts: 1 + 3,
      'ledger entries': 4,
      'payments CHARGED': 1,
      'payments VOIDED': 1,
      'payments REFUNDED': 2,
      'reservations RESERVED': 2,
      'reservations RELEASED': 3,
      'shipments REQUESTED': 1,
      'shipments FAILED': 1,
      skus: 3,
      violations: 0,
    });
    expect(report.notChecked).toBeUndefined();
    expect(await w.stores.getStock('pen')).toEqual({
      sku: 'pen',
      price: 100,
      available: 20,
      reserved: 2,
      stockedIn: 22, // 10, then +12 by the restock to 20 while A's 2 pens are sold
      ships: true,
    });
    expect(await w.stores.getStock('cup')).toMatchObject({
      available: 3,
      reserved: 2,
      stockedIn: 5,
    });
    // F's mug is back: released when its shipment failed.
    expect(await w.stores.getStock('mug')).toMatchObject({
      available: 2,
      reserved: 0,
      stockedIn: 2,
      ships: false,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'what                              n',
      'events                            12',
      'facts                              4',
      'ledger entries                     4',
      'orders CANCELLED/SHIPPING_FAILED   1',
      'orders CONFIRMED                   1',
      'orders FAILED/GAVE_UP              1',
      'orders FAILED/OUT_OF_STOCK         1',
      'orders FAILED/PAYMENT_DECLINED     1',
      'orders PENDING                     1',
      'payments CHARGED                   1',
      'payments REFUNDED                  2',
      'payments VOIDED                    1',
      'reservations RELEASED              3',
      'reservations RESERVED              2',
      'shipments FAILED                   1',
      'shipments REQUESTED                1',
      'skus                               3',
      '',
      'verify: every invariant holds',
      '',
    ]);
  });

  it('reports an accepted order that is not in the orders table (--accepted, one id per line)', async () => {
    const { w, a, b, c, d, e, f } = await sagaWorld();
    const lost = newOrderId();
    const accepted = join(dir, `${w.outputs.OrdersTableName}-accepted.txt`);
    writeFileSync(accepted, `${[a, b, c, d, e, f, lost].join('\n')}\n`);

    await expectOnly(
      w,
      INVARIANTS.acceptedMissing,
      [`order ${lost}`],
      { acceptedOrderIds: [a, b, c, d, e, f, lost] },
      ['--accepted', accepted],
    );
  });

  it('reports an order PENDING longer than --max-pending', async () => {
    const { w, c } = await sagaWorld();
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const report = await expectOnly(
      w,
      INVARIANTS.pendingTooLong,
      [`order ${c}`],
      { maxPendingSeconds: 1 },
      ['--max-pending', '1'],
    );
    expect(report.violations[0]?.detail).toMatch(/^PENDING for \d+ s \(bound 1 s\)$/);
    expect((await verifyInvariants(w.target, { maxPendingSeconds: 900 })).violations).toEqual([]);
  });

  it('reports a ledger entry that went missing', async () => {
    const { w } = await sagaWorld();
    const [first] = (await w.ledger('pen')).sort((x, y) =>
      String(x.sk).localeCompare(String(y.sk)),
    );
    await dynamo.db.send(
      new DeleteCommand({
        TableName: w.outputs.InventoryTableName,
        Key: { pk: first?.pk, sk: first?.sk },
      }),
    );

    const report = await expectOnly(w, INVARIANTS.stockLedger, ['sku pen']);
    expect(report.violations[0]?.detail).toBe('ledger sums to 12, stockedIn is 22');
  });

  it('reports stock set without the ledger (available overwritten, as stock set did before), also as text', async () => {
    const { w } = await sagaWorld();
    await dynamo.db.send(
      new UpdateCommand({
        TableName: w.outputs.InventoryTableName,
        Key: stockKey('pen'),
        UpdateExpression: 'SET available = :n',
        ExpressionAttributeValues: { ':n': 30 },
      }),
    );

    await expectOnly(w, INVARIANTS.stockEquation, ['sku pen']);
    const text = await runCli(['verify'], { cloudFile: w.cloudFile });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      'VIOLATION  stock put in = available + held + sold  sku pen: stocked in 22 ≠ available 30 + held 0 + sold 2\n',
    );
    expect(text.stdout).toMatch(/\nverify: 1 violation\(s\)\n$/);
  });

  it('reports a reserved count that drifted from the reservations', async () => {
    const { w } = await sagaWorld();
    await dynamo.db.send(
      new UpdateCommand({
        TableName: w.outputs.InventoryTableName,
        Key: stockKey('cup'),
        UpdateExpression: 'SET reserved = reserved + :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );

    const report = await expectOnly(w, INVARIANTS.stockReserved, ['sku cup']);
    expect(report.violations[0]?.detail).toBe('reserved 3 ≠ held 1 + sold 1');
  });

  it('reports negative stock (a reserve written without its stock condition: oversold)', async () => {
    const { w } = await sagaWorld();
    const f = await w.place({ cup: 10 });
    await expect(w.reserve(f)).rejects.toBeInstanceOf(OutOfStockError);
    // What reserve writes, minus its `available >= :qty` condition.
    await dynamo.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: w.outputs.InventoryTableName,
              Item: {
                ...reservationKey(f),
                kind: 'RESERVATION',
                orderId: f,
                status: 'RESERVED',
                items: w.lines(f),
              },
            },
          },
          {
            Update: {
              TableName: w.outputs.InventoryTableName,
              Key: stockKey('cup'),
              UpdateExpression: 'SET available = available - :qty, reserved = reserved + :qty',
              ExpressionAttributeValues: { ':qty': 10 },
            },
          },
        ],
      }),
    );

    const report = await expectOnly(w, INVARIANTS.stockNegative, ['sku cup']);
    expect(report.violations[0]?.detail).toBe('available -7');
  });

  it('reports a CONFIRMED order whose charge was refunded, or is not its total', async () => {
    const { w, a } = await sagaWorld();
    await w.payments.markRefunded(a);
    const g = await w.place({ pen: 1 });
    await w.reserve(g);
    await w.charge(g, 99);
    await w.confirm(g);

    const report = await expectOnly(w, INVARIANTS.confirmedCharge, [`order ${a}`, `order ${g}`]);
    expect(report.violations.map((v) => v.detail).sort()).toEqual([
      'charged 99 JPY, total 100 JPY',
      'payment is REFUNDED, not CHARGED',
    ]);
  });

  it('reports a CONFIRMED order whose reservation was released', async () => {
    const { w, a } = await sagaWorld();
    await w.release(a);

    const report = await expectOnly(w, INVARIANTS.confirmedReservation, [`order ${a}`]);
    expect(report.violations[0]?.detail).toBe('reservation is RELEASED, not RESERVED');
  });

  it('reports a FAILED order that still holds its stock (and only that: the stock is not lost)', async () => {
    const { w } = await sagaWorld();
    const g = await w.place({ pen: 3 });
    await w.reserve(g);
    await w.fail(g, 'GAVE_UP');

    const report = await expectOnly(w, INVARIANTS.failedHoldsStock, [`order ${g}`]);
    expect(report.violations[0]?.detail).toBe('holds pen×3');
  });

  it('reports a FAILED order whose charge was never refunded', async () => {
    const { w } = await sagaWorld();
    const g = await w.place({ pen: 1 });
    await w.reserve(g);
    await w.charge(g);
    await w.release(g);
    await w.fail(g, 'GAVE_UP');

    await expectOnly(w, INVARIANTS.failedCharged, [`order ${g}`]);
  });

  it('reports a charge without an order', async () => {
    const { w } = await sagaWorld();
    const ghost = newOrderId();
    await w.payments.putCharge({
      orderId: ghost,
      paymentId: 'pay-x',
      amount: 500,
      currency: 'JPY',
    });
    // A VOIDED tombstone without an order moved no money: not reported.
    await w.payments.putVoidedTombstone(newOrderId());

    await expectOnly(w, INVARIANTS.orphanPayment, [`payment of ${ghost}`]);
  });

  it('reports a reservation without an order (its stock is accounted for, not lost)', async () => {
    const { w } = await sagaWorld();
    const ghost = newOrderId();
    await w.inventory.reserve(ghost, [{ sku: 'pen', qty: 1 }]);
    // A RELEASED tombstone without an order holds nothing: not reported.
    await w.inventory.putReleasedTombstone(newOrderId());

    await expectOnly(w, INVARIANTS.orphanReservation, [`reservation of ${ghost}`]);
  });

  it('does not account stock held by an order in a status no saga writes: the equation fires', async () => {
    const { w, a } = await sagaWorld();
    await dynamo.db.send(
      new UpdateCommand({
        TableName: w.outputs.OrdersTableName,
        Key: { pk: `ORDER#${a}`, sk: 'ORDER' },
        UpdateExpression: 'SET #status = :shipped',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':shipped': 'SHIPPED' },
      }),
    );

    const report = await verifyInvariants(w.target);

    expect(report.counts['orders SHIPPED']).toBe(1);
    expect(report.violations.map((v) => `${v.invariant} ${v.subject}`).sort()).toEqual([
      `${INVARIANTS.orphanShipment} shipment of ${a}`, // its shipment: of no CONFIRMED order
      `${INVARIANTS.stockReserved} sku cup`,
      `${INVARIANTS.stockReserved} sku pen`,
      `${INVARIANTS.stockEquation} sku cup`,
      `${INVARIANTS.stockEquation} sku pen`,
    ]);
  });

  it('reports a finished order without the event of its status', async () => {
    const { w, a } = await sagaWorld();
    await dynamo.db.send(
      new DeleteCommand({
        TableName: w.outputs.OrdersTableName,
        Key: orderEventKey(a, 'order.confirmed.v1'),
      }),
    );

    const report = await expectOnly(w, INVARIANTS.missingEvent, [`order ${a}`]);
    expect(report.violations[0]?.detail).toBe('CONFIRMED without order.confirmed.v1');
  });
});

/** A shipment written by the shipments table's own store, as a shipping bug would write it. */
async function strayShipment(w: World, orderId: string): Promise<void> {
  const items = [{ sku: 'pen', qty: 1 }];
  const event = buildEvent({
    type: 'shipping.requested.v1',
    source: EVENT_SOURCES.shipping,
    orderId,
    correlationId: 'cid',
    sagaId: orderId,
    data: { orderId, shipmentId: `shp-${orderId}`, items },
  });
  const shipment = {
    orderId,
    shipmentId: `shp-${orderId}`,
    status: 'REQUESTED' as const,
    items,
    causationId: 'no-confirmation',
  };
  expect(await w.shipmentStore.create(shipment, event)).toBe(true);
}

/** Sets an attribute of an item as a bug would, without its transaction. */
const overwrite = (table: string, key: { pk: string; sk: string }, name: string, value: unknown) =>
  dynamo.db.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET #name = :value',
      ExpressionAttributeNames: { '#name': name },
      ExpressionAttributeValues: { ':value': value },
    }),
  );

describe('verify on the choreography: shipments, and the orders their failure cancels', () => {
  it('reports a CANCELLED order whose payment is still CHARGED (its refund lost)', async () => {
    const { w, f } = await sagaWorld();
    await overwrite(w.outputs.PaymentsTableName, paymentKey(f), 'status', 'CHARGED');

    const report = await expectOnly(w, INVARIANTS.cancelledCharged, [`order ${f}`]);
    expect(report.violations[0]?.detail).toBe('charged 900 and not refunded');
  });

  it('reports a CANCELLED order that still holds its stock (and only that: the stock is not lost)', async () => {
    const { w } = await sagaWorld();
    const g = await w.place({ mug: 1 });
    await w.reserve(g);
    await w.charge(g);
    await w.confirm(g, ['mug']);
    await w.ship(g);
    await w.compensate(g, { release: false });
    expect(await w.cancelAnyway(g)).toBe(true);

    const report = await expectOnly(w, INVARIANTS.cancelledHoldsStock, [`order ${g}`]);
    expect(report.violations[0]?.detail).toBe('holds mug×1');
  });

  it('reports a CANCELLED order without order.cancelled.v1', async () => {
    const { w, f } = await sagaWorld();
    await dynamo.db.send(
      new DeleteCommand({
        TableName: w.outputs.OrdersTableName,
        Key: orderEventKey(f, 'order.cancelled.v1'),
      }),
    );

    const report = await expectOnly(w, INVARIANTS.missingEvent, [`order ${f}`]);
    expect(report.violations[0]?.detail).toBe('CANCELLED without order.cancelled.v1');
  });

  it('reports a CANCELLED order whose shipment did not fail', async () => {
    const { w, f } = await sagaWorld();
    await overwrite(w.outputs.ShipmentsTableName, shipmentKey(f), 'status', 'REQUESTED');

    const report = await expectOnly(w, INVARIANTS.cancelledShipment, [`order ${f}`]);
    expect(report.violations[0]?.detail).toBe('shipment is REQUESTED, not FAILED');
  });

  it('reports a CONFIRMED order without a shipment, or whose failed shipment was never compensated, once older than --max-pending (within it they are in flight)', async () => {
    const w = await newWorld();
    await w.stores.setStock('pen', 10, 100);
    await w.stores.setStock('mug', 5, 900, { noShip: true });
    const confirmed = async (items: Record<string, number>, noShip: string[] = []) => {
      const id = await w.place(items);
      await w.reserve(id);
      await w.charge(id);
      await w.confirm(id, noShip);
      return id;
    };
    const unshipped = await confirmed({ pen: 1 });
    const failed = await confirmed({ mug: 1 }, ['mug']);
    await w.ship(failed);
    const shipped = await confirmed({ pen: 2 });
    await w.ship(shipped);

    const inFlight = await verifyInvariants(w.target);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const report = await expectOnly(
      w,
      INVARIANTS.confirmedShipment,
      [`order ${unshipped}`, `order ${failed}`],
      { maxPendingSeconds: 1 },
      ['--max-pending', '1'],
    );

    expect(inFlight.violations).toEqual([]);
    expect(inFlight.counts).toMatchObject({ 'shipments FAILED': 1, 'shipments REQUESTED': 1 });
    const detail = (id: string) =>
      report.violations.find((v) => v.subject === `order ${id}`)?.detail;
    expect(detail(unshipped)).toMatch(
      /^no shipment for \d+ s since it was CONFIRMED \(bound 1 s\)$/,
    );
    expect(detail(failed)).toMatch(
      /^shipment FAILED \(SKU_CANNOT_SHIP\) for \d+ s and the order is not CANCELLED \(bound 1 s\)$/,
    );
  });

  it('reports a shipment without an order, or of an order never CONFIRMED', async () => {
    const { w, c } = await sagaWorld();
    const ghost = newOrderId();
    await strayShipment(w, ghost);
    await strayShipment(w, c);

    const report = await expectOnly(w, INVARIANTS.orphanShipment, [
      `shipment of ${ghost}`,
      `shipment of ${c}`,
    ]);
    expect(report.violations.map((v) => v.detail).sort()).toEqual([
      'REQUESTED pen×1 while the order is PENDING',
      'REQUESTED pen×1 without an order',
    ]);
  });

  it('reports a FAILED order that has a shipment', async () => {
    const { w, b } = await sagaWorld();
    await strayShipment(w, b);

    const report = await expectOnly(w, INVARIANTS.failedShipped, [`order ${b}`]);
    expect(report.violations[0]?.detail).toBe('has a shipment REQUESTED');
  });

  it('says what it did not check on a target without the shipments table, and checks the rest', async () => {
    const { w, f } = await sagaWorld();
    const { ShipmentsTableName: _, ...outputs } = w.outputs;
    const cloudFile = join(dir, `${w.outputs.OrdersTableName}-no-shipments.json`);
    writeFileSync(
      cloudFile,
      JSON.stringify({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint }, outputs }),
    );
    await overwrite(w.outputs.OrdersTableName, orderKey(f), 'status', 'CONFIRMED');

    const report = await verifyInvariants(resolveTarget({ cloudFile, env: {} }));
    const run = await runCli(['verify'], { cloudFile });

    const why =
      'shipments: the target has no output ShipmentsTableName (a stack deployed before the shipping service? redeploy it)';
    expect(report.notChecked).toEqual([why]);
    expect(report.counts).not.toHaveProperty('shipments REQUESTED');
    // F, CONFIRMED again: its charge refunded is still seen; its shipment is not looked at.
    expect(report.violations.map((v) => `${v.invariant} ${v.subject}`).sort()).toEqual([
      `${INVARIANTS.confirmedCharge} order ${f}`,
      `${INVARIANTS.confirmedReservation} order ${f}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`\nNOT CHECKED  ${why}\nVIOLATION  `);
  });

  it('says every invariant checked holds when all it could check holds', async () => {
    const { w } = await sagaWorld();
    const { ShipmentsTableName: _, ...outputs } = w.outputs;
    const cloudFile = join(dir, `${w.outputs.OrdersTableName}-no-shipments-ok.json`);
    writeFileSync(
      cloudFile,
      JSON.stringify({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint }, outputs }),
    );

    const run = await runCli(['verify', '--json'], { cloudFile });
    const text = await runCli(['verify'], { cloudFile });

    expect(run.code).toBe(0);
    expect(run.json<VerifyReport>().notChecked).toHaveLength(1);
    expect(text.stdout).toMatch(
      /\nNOT CHECKED {2}shipments: .*\nverify: every invariant checked holds\n$/,
    );
  });
});

describe('the stock ledger', () => {
  it('records every stock set: one entry per set with its delta, summing to stockedIn', async () => {
    const w = await newWorld();
    for (const qty of [5, 8, 3, 3]) await w.stores.setStock('ink', qty, 700);

    const entries = await w.ledger('ink');
    const stock = await w.stores.getStock('ink');
    const report = await verifyInvariants(w.target);

    expect(entries).toHaveLength(4);
    expect(entries.map((entry) => entry.delta).sort()).toEqual([-5, 0, 3, 5]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ kind: 'STOCK_LEDGER', sku: 'ink', reason: 'stock set' });
      expect(String(entry.sk)).toMatch(/^LEDGER#[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(Date.parse(String(entry.at))).not.toBeNaN();
    }
    expect(stock).toEqual({
      sku: 'ink',
      price: 700,
      available: 3,
      reserved: 0,
      stockedIn: 3,
      ships: true,
    });
    expect(report).toEqual({
      counts: { 'ledger entries': 4, skus: 1, violations: 0 },
      violations: [],
    });
  });

  it('records every stock set made while the saga reserves the same sku concurrently', async () => {
    const w = await newWorld();
    await w.stores.setStock('pen', 100, 100);
    const orders: string[] = [];
    for (let i = 0; i < 40; i++) orders.push(await w.place({ pen: 1 }));
    const sets = Array.from({ length: 10 }, (_, i) => 100 + 10 * i);

    // Interleaved: each set races the reserves in flight; a reserve the inventory function
    // could not commit (a transaction conflict) is delivered again, as the queue would.
    const results = await Promise.allSettled([
      ...orders.map(async (orderId) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await w.reserve(orderId);
          } catch (error) {
            if (!(error instanceof InventoryUnavailableError) || attempt >= 20) throw error;
          }
        }
      }),
      ...sets.map((qty) => w.stores.setStock('pen', qty, 100)),
    ]);

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const entries = await w.ledger('pen');
    const stock = await w.stores.getStock('pen');
    const ledgerSum = entries.reduce((sum, entry) => sum + Number(entry.delta), 0);
    expect(entries).toHaveLength(1 + sets.length);
    expect(stock?.reserved).toBe(40);
    expect(stock?.stockedIn).toBe(ledgerSum);
    expect(stock?.stockedIn).toBe((stock?.available ?? 0) + 40);
    expect(await verifyInvariants(w.target)).toEqual({
      counts: {
        'orders PENDING': 40,
        events: 40,
        'ledger entries': 11,
        'reservations RESERVED': 40,
        skus: 1,
        violations: 0,
      },
      violations: [],
    });
  });
});
