import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, USAGE } from '../../cli/main.js';
import { DEFAULT_CLOUD_FILE, projectRoot } from '../../cli/target.js';
import { catalogKey, paymentKey, stockKey } from '../../lambdas/shared/keys.js';
import { runCli } from '../support/cli.js';
import { startDynamoDbLocal, TABLES, type TestDynamo } from '../support/dynamodb-local.js';
import { type FakeApi, orderBody, startFakeApi } from '../support/fake-api.js';

const NO_CLOUD =
  'mini-ec: no local cloud is running (start it with npm start) — or pass --stack-outputs cdk-outputs.json\n';

describe("the local cloud's default file", () => {
  const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

  it('is .local/cloud.json of the project, from the sources and from the cached bundle', () => {
    expect(DEFAULT_CLOUD_FILE).toBe(join(root, '.local', 'cloud.json'));
    expect(projectRoot(pathToFileURL(join(root, 'cli', 'target.ts')).href)).toBe(root);
    // The bin runs .cache/cli/main.mjs: a fixed '../' from there named .cache/.local.
    expect(projectRoot(pathToFileURL(join(root, '.cache', 'cli', 'main.mjs')).href)).toBe(root);
  });
});

describe('mini-ec without a target', () => {
  it('prints its usage with --help and exits 0', async () => {
    const run = await runCli(['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mini-ec stock set <sku> <qty> --price <n>');
    expect(run.stderr).toBe('');
  });

  it('says in one line that no local cloud is running, and exits 2', async () => {
    const run = await runCli(['stock', 'get', 'coffee'], { cloudFile: '/nonexistent/cloud.json' });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(NO_CLOUD);
    expect(run.stdout).toBe('');
  });

  it.each([
    [['stock', 'set', 'coffee', '1'], /stock set needs --price <n>/],
    [['stock', 'set', 'cof fee', '1', '--price', '5'], /sku "cof fee" must be 1–64 characters/],
    [['stock', 'set', 'coffee', 'lots', '--price', '5'], /qty must be an integer ≥ 0, got "lots"/],
    [['stock', 'set', 'coffee', '-1', '--price', '5'], /Unknown option '-1'/],
    [['stock', 'set', 'coffee', '1', '--price', '4.5'], /--price must be an integer ≥ 0/],
    [['stock', 'get', 'coffee', '--price', '5'], /stock get takes no --price/],
    [['stock', 'get'], /a sku is required/],
    [['stock', 'delete', 'coffee'], /unknown command "stock delete"/],
    [['toString'], /unknown command "toString"/],
    [['verify', '--price', '5'], /verify takes no --price/],
    [['payments', 'list'], /payments list needs --order <id>/],
    [['orders', 'get', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['order'], /order needs at least one sku=qty/],
    [['order', 'coffee'], /"coffee" is not sku=qty/],
    [['order', 'coffee=0'], /qty of coffee must be at least 1/],
    [['order', 'coffee=1001'], /qty of coffee must be an integer in 0..1000/],
    [['order', 'coffee=1', 'coffee=2'], /sku coffee appears twice/],
    [['order', 'coffee=1', '--timeout', 'soon'], /--timeout must be a positive number of seconds/],
  ])(
    'rejects %j with one usage line and exit 2, before looking for a target',
    async (args, message) => {
      const run = await runCli(args, { cloudFile: '/nonexistent/cloud.json' });

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    },
  );

  it('documents --no-ship, the shipping service’s chaos and every DLQ in its usage', () => {
    expect(USAGE).toContain('mini-ec stock set <sku> <qty> --price <n> [--no-ship]');
    expect(USAGE).toContain('mini-ec chaos set --service inventory|payment|shipping');
    expect(USAGE).toContain(
      'mini-ec dlq list [--queue orders|shipping|payment|inventory|relay|all]',
    );
    expect(USAGE).toContain('mini-ec dlq redrive [--queue orders|shipping|payment|inventory]');
  });

  it('documents every command in its usage, and no command that does not exist', () => {
    const documented = [...USAGE.matchAll(/^ {2}mini-ec ([a-z]+(?: [a-z]+)?)/gm)].map((m) => {
      const [first = '', second] = (m[1] ?? '').split(' ');
      return Object.hasOwn(COMMANDS, first) ? first : `${first} ${second}`;
    });

    expect(new Set(documented)).toEqual(new Set(Object.keys(COMMANDS)));
  });

  it('reads a deployed stack from cdk deploy --outputs-file, and says what it lacks', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'mini-ec-outputs-')), 'cdk-outputs.json');
    writeFileSync(
      file,
      JSON.stringify({ MiniEcStack: { ApiUrl: 'https://x.execute-api.eu-west-1.amazonaws.com/' } }),
    );

    const run = await runCli(['stock', 'get', 'coffee', '--stack-outputs', file]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `mini-ec: ${file} lacks the stack outputs OrdersTableName, InventoryTableName, PaymentsTableName\n`,
    );
  });
});

describe('mini-ec stock and payments, on DynamoDB Local', () => {
  let dynamo: TestDynamo;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('sets a sku then reads it back as a table', async () => {
    const set = await runCli(['stock', 'set', 'coffee', '3', '--price', '500'], {
      cloudFile: dynamo.cloudFile,
    });
    const get = await runCli(['stock', 'get', 'coffee'], { cloudFile: dynamo.cloudFile });

    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(get.code).toBe(0);
    expect(get.stdout.split('\n')).toEqual([
      'sku     price  available  reserved  ships',
      'coffee    500          3         0  yes',
      '',
    ]);
  });

  it('gives the same field names with --json', async () => {
    await runCli(['stock', 'set', 'tea', '7', '--price', '300'], { cloudFile: dynamo.cloudFile });

    const get = await runCli(['stock', 'get', 'tea', '--json'], { cloudFile: dynamo.cloudFile });
    const set = await runCli(['--json', 'stock', 'set', 'tea', '8', '--price', '310'], {
      cloudFile: dynamo.cloudFile,
    });

    expect(get.json()).toEqual({
      sku: 'tea',
      price: 300,
      available: 7,
      reserved: 0,
      stockedIn: 7,
      ships: true,
    });
    expect(set.json()).toEqual({
      sku: 'tea',
      price: 310,
      available: 8,
      reserved: 0,
      stockedIn: 8,
      ships: true,
    });
  });

  it('writes the catalog item and the stock item with the shared key layout, keeping a reservation held and recording the change in the ledger', async () => {
    await dynamo.db.send(
      new PutCommand({
        TableName: TABLES.InventoryTableName,
        Item: {
          ...stockKey('mug'),
          kind: 'STOCK',
          sku: 'mug',
          available: 1,
          reserved: 2,
          stockedIn: 3,
        },
      }),
    );

    const run = await runCli(['stock', 'set', 'mug', '10', '--price', '1200', '--json'], {
      cloudFile: dynamo.cloudFile,
    });
    const catalog = await dynamo.db.send(
      new GetCommand({ TableName: TABLES.OrdersTableName, Key: catalogKey('mug') }),
    );
    const stock = await dynamo.db.send(
      new GetCommand({ TableName: TABLES.InventoryTableName, Key: stockKey('mug') }),
    );

    const ledger = await dynamo.db.send(
      new QueryCommand({
        TableName: TABLES.InventoryTableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
        ExpressionAttributeValues: { ':pk': stockKey('mug').pk, ':ledger': 'LEDGER#' },
      }),
    );

    expect(run.json()).toEqual({
      sku: 'mug',
      price: 1200,
      available: 10,
      reserved: 2,
      stockedIn: 12,
      ships: true,
    });
    expect(catalog.Item).toMatchObject({ kind: 'CATALOG', sku: 'mug', price: 1200 });
    expect(catalog.Item).not.toHaveProperty('noShip');
    expect(stock.Item).toMatchObject({ kind: 'STOCK', sku: 'mug', available: 10, reserved: 2 });
    expect(ledger.Items).toEqual([
      expect.objectContaining({ kind: 'STOCK_LEDGER', sku: 'mug', delta: 9, available: 10 }),
    ]);
    expect(Date.parse(String(stock.Item?.updatedAt))).not.toBeNaN();
    expect(catalog.Item?.updatedAt).toBe(stock.Item?.updatedAt);
  });

  it('marks a sku that cannot ship with --no-ship (noShip on its catalog item), and a later stock set without it makes it ship again', async () => {
    const catalogOf = async (sku: string) =>
      (
        await dynamo.db.send(
          new GetCommand({ TableName: TABLES.OrdersTableName, Key: catalogKey(sku) }),
        )
      ).Item;

    const set = await runCli(['stock', 'set', 'piano', '2', '--price', '90000', '--no-ship'], {
      cloudFile: dynamo.cloudFile,
    });
    const unshippable = await catalogOf('piano');
    const got = await runCli(['stock', 'get', 'piano', '--json'], { cloudFile: dynamo.cloudFile });
    const again = await runCli(['stock', 'set', 'piano', '2', '--price', '90000'], {
      cloudFile: dynamo.cloudFile,
    });
    const shippable = await catalogOf('piano');

    expect(set.stderr).toBe('');
    expect(set.stdout.split('\n')).toEqual([
      'sku    price  available  reserved  ships',
      'piano  90000          2         0  no',
      '',
    ]);
    expect(unshippable).toMatchObject({
      kind: 'CATALOG',
      sku: 'piano',
      price: 90000,
      noShip: true,
    });
    expect(got.json()).toMatchObject({ sku: 'piano', ships: false });
    expect(again.stdout).toMatch(/piano\s+90000\s+2\s+0\s+yes\n$/);
    expect(shippable).toMatchObject({ kind: 'CATALOG', sku: 'piano', price: 90000 });
    expect(shippable).not.toHaveProperty('noShip');
  });

  it('takes --no-ship on stock set only', async () => {
    const run = await runCli(['stock', 'get', 'piano', '--no-ship'], {
      cloudFile: dynamo.cloudFile,
    });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stock get takes no --no-ship/);
  });

  it('fails with one line and exit 1 for an unknown sku', async () => {
    const run = await runCli(['stock', 'get', 'nothing-here'], { cloudFile: dynamo.cloudFile });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'mini-ec: unknown sku nothing-here (set it with: mini-ec stock set nothing-here <qty> --price <n>)\n',
    );
  });

  it('lists CHARGED and REFUNDED payments and skips other items such as VOIDED tombstones', async () => {
    const put = (orderId: string, status: string, sk?: string) =>
      dynamo.db.send(
        new PutCommand({
          TableName: TABLES.PaymentsTableName,
          Item: {
            ...paymentKey(orderId),
            ...(sk ? { sk } : {}),
            kind: 'PAYMENT',
            orderId,
            paymentId: `pay-${orderId}-${status}`,
            amount: 500,
            currency: 'JPY',
            status,
            updatedAt: '2025-11-22T10:00:00.000Z',
          },
        }),
      );
    await put('o-charged', 'CHARGED');
    await put('o-charged', 'VOIDED', 'PAYMENT#VOID');
    await put('o-refunded', 'REFUNDED');
    await put('o-voided', 'VOIDED');

    const charged = await runCli(['payments', 'list', '--order', 'o-charged', '--json'], {
      cloudFile: dynamo.cloudFile,
    });
    const refunded = await runCli(['payments', 'list', '--order', 'o-refunded'], {
      cloudFile: dynamo.cloudFile,
    });
    const voided = await runCli(['payments', 'list', '--order', 'o-voided', '--json'], {
      cloudFile: dynamo.cloudFile,
    });

    expect(charged.json()).toEqual([
      {
        paymentId: 'pay-o-charged-CHARGED',
        orderId: 'o-charged',
        amount: 500,
        currency: 'JPY',
        status: 'CHARGED',
        updatedAt: '2025-11-22T10:00:00.000Z',
      },
    ]);
    expect(refunded.stdout).toMatch(/^paymentId\s+amount\s+currency\s+status\s+updatedAt\n/);
    expect(refunded.stdout).toMatch(/pay-o-refunded-REFUNDED\s+500\s+JPY\s+REFUNDED/);
    expect(voided.code).toBe(0);
    expect(voided.json()).toEqual([]);
  });

  it('says in one line when DynamoDB cannot be reached, and exits 1', async () => {
    const cloudFile = dynamo.writeCloudFile('dead.json', {
      endpoints: { dynamodb: 'http://127.0.0.1:9' },
    });

    const run = await runCli(['stock', 'get', 'coffee'], { cloudFile });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^mini-ec: stock get: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:9/,
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('verify prints counts and one line per violation and exits 1; bad options are usage errors', async () => {
    const accepted = join(dirname(dynamo.cloudFile), 'accepted.txt');
    writeFileSync(accepted, '01ZZZZZZZZZZZZZZZZZZZZZZZZ\n');

    const run = await runCli(['verify', '--accepted', accepted], { cloudFile: dynamo.cloudFile });
    const json = await runCli(['verify', '--accepted', accepted, '--json'], {
      cloudFile: dynamo.cloudFile,
    });
    const bad = await runCli(['verify', '--max-pending', 'soon'], { cloudFile: dynamo.cloudFile });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^what\s+n\n/);
    expect(run.stdout).toContain(
      'VIOLATION  accepted order exists  order 01ZZZZZZZZZZZZZZZZZZZZZZZZ: accepted (202) but not in the orders table',
    );
    expect(run.stdout).toMatch(/verify: \d+ violation\(s\)\n$/);
    expect(json.json<{ violations: { invariant: string }[] }>().violations).toContainEqual(
      expect.objectContaining({ invariant: 'accepted order exists' }),
    );
    expect(bad.code).toBe(2);
  });

  it('treats a cloud file whose process is gone as no local cloud', async () => {
    const cloudFile = dynamo.writeCloudFile('stale.json', { pid: 2 ** 22 + 12345 });

    const run = await runCli(['stock', 'get', 'coffee'], { cloudFile });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(NO_CLOUD);
  });
});

describe('mini-ec order and orders get, against a contract-checked stand-in of the API', () => {
  let api: FakeApi | undefined;

  afterAll(async () => {
    await api?.stop();
  });

  /** A fake local cloud with the API; `outputs` adds stack outputs (the shipping service's). */
  async function withApi(
    script: Parameters<typeof startFakeApi>[0],
    outputs: Record<string, string> = {},
  ) {
    await api?.stop();
    api = await startFakeApi(script);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const cloudFile = join(mkdtempSync(join(tmpdir(), 'mini-ec-api-')), 'cloud.json');
    writeFileSync(
      cloudFile,
      JSON.stringify({
        apiUrl: `${api.url}/`,
        region: 'us-east-1',
        endpoints: {},
        outputs: { ApiUrl: api.url, ...TABLES, ...outputs },
      }),
    );
    return cloudFile;
  }

  const accepted = {
    status: 202,
    body: { orderId: 'o-1', status: 'PENDING', correlationId: 'cid-fake' },
    headers: { location: '/orders/o-1' },
  };

  it('places the order with the key and correlation ID given, prints each status change, and exits 0 when CONFIRMED', async () => {
    const cloudFile = await withApi({
      placed: accepted,
      orders: [
        { status: 200, body: orderBody('PENDING') },
        { status: 200, body: orderBody('PENDING') },
        { status: 200, body: orderBody('CONFIRMED') },
      ],
    });

    const run = await runCli(
      ['order', 'coffee=2', '--key', 'k-1', '--correlation-id', 'cid-fake'],
      {
        cloudFile,
      },
    );

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('accepted  order o-1  key k-1  correlation cid-fake');
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['PENDING', 'CONFIRMED']);
    expect(lines[2]).toMatch(/total 1000 JPY$/);
    const post = api?.requests[0];
    expect(post).toMatchObject({ method: 'POST', path: '/orders' });
    expect(post?.headers).toMatchObject({
      'idempotency-key': 'k-1',
      'x-correlation-id': 'cid-fake',
    });
    expect(JSON.parse(String(post?.body))).toEqual({ items: [{ sku: 'coffee', qty: 2 }] });
  });

  it('exits 0 with the reason when the order FAILED, and gives the final order as JSON with --json', async () => {
    const cloudFile = await withApi({
      placed: { ...accepted, headers: { ...accepted.headers, 'idempotent-replayed': 'true' } },
      orders: [{ status: 200, body: orderBody('FAILED', { reason: 'OUT_OF_STOCK' }) }],
    });

    const run = await runCli(['order', 'coffee=2', '--json'], { cloudFile });

    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      orderId: 'o-1',
      status: 'FAILED',
      reason: 'OUT_OF_STOCK',
      replayed: true,
      history: [{ status: 'FAILED' }],
    });
    expect(String(api?.requests[0]?.headers['idempotency-key'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("prints the problem's code and detail, and exits 1, when the API refuses the order", async () => {
    const cloudFile = await withApi({
      placed: {
        status: 422,
        body: {
          type: 'https://mini-ec.dev/problems/unknown-sku',
          title: 'Unknown sku',
          status: 422,
          detail: 'No catalog entry for sku "tee".',
          code: 'UNKNOWN_SKU',
        },
      },
      orders: [],
    });

    const run = await runCli(['order', 'tee=1'], { cloudFile });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('mini-ec: UNKNOWN_SKU (422): No catalog entry for sku "tee".\n');
  });

  it('exits 1 when the order does not converge before --timeout', async () => {
    const cloudFile = await withApi({
      placed: accepted,
      orders: [{ status: 200, body: orderBody('PENDING') }],
    });

    const run = await runCli(['order', 'coffee=2', '--timeout', '0.5'], { cloudFile });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mini-ec: order o-1 is still PENDING after 0.5s/);
  });

  /** The stack output that says the target runs the shipping service. */
  const SHIPPING = { ShippingFunctionName: 'MiniEc-Shipping' };
  const requested = { shipment: { status: 'REQUESTED' } };
  const shipmentFailed = { shipment: { status: 'FAILED', reason: 'SKU_CANNOT_SHIP' } };
  const cancelled = { reason: 'SHIPPING_FAILED', ...shipmentFailed };

  it('follows a CONFIRMED order until its shipment is requested on a target with shipping, telling both steps of one reading, and exits 0', async () => {
    const cloudFile = await withApi(
      {
        placed: accepted,
        orders: [
          { status: 200, body: orderBody('PENDING') },
          { status: 200, body: orderBody('CONFIRMED', requested) },
        ],
      },
      SHIPPING,
    );

    const run = await runCli(['order', 'coffee=2'], { cloudFile });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n').slice(1);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['PENDING', 'CONFIRMED', 'SHIPPING']);
    expect(lines[1]).toMatch(/^CONFIRMED \+\d+\.\ds {2}total 1000 JPY$/);
    expect(lines[2]).toMatch(/^SHIPPING {2}\+\d+\.\ds {2}shipment requested$/);
  });

  it('keeps following a CONFIRMED order whose shipment failed until it is CANCELLED, with each step in --json history', async () => {
    const script = {
      placed: accepted,
      orders: [
        { status: 200, body: orderBody('CONFIRMED') },
        { status: 200, body: orderBody('CONFIRMED', shipmentFailed) },
        { status: 200, body: orderBody('CANCELLED', cancelled) },
      ],
    };
    const human = await runCli(['order', 'coffee=2'], {
      cloudFile: await withApi(script, SHIPPING),
    });
    const json = await runCli(['order', 'coffee=2', '--json'], {
      cloudFile: await withApi(script, SHIPPING),
    });

    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n').slice(1);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['CONFIRMED', 'SHIPPING', 'CANCELLED']);
    expect(lines[1]).toMatch(
      /^SHIPPING {2}\+\d+\.\ds {2}shipment failed: SKU_CANNOT_SHIP \(refund and release under way\)$/,
    );
    expect(lines[2]).toMatch(/^CANCELLED \+\d+\.\ds {2}reason SHIPPING_FAILED$/);
    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({
      status: 'CANCELLED',
      reason: 'SHIPPING_FAILED',
      shipment: { status: 'FAILED', reason: 'SKU_CANNOT_SHIP' },
      history: [
        { status: 'CONFIRMED' },
        { status: 'CONFIRMED', shipment: 'FAILED' },
        { status: 'CANCELLED' },
      ],
    });
  });

  it('exits 1 when a CONFIRMED order gets no shipment before --timeout on a target with shipping', async () => {
    const cloudFile = await withApi(
      { placed: accepted, orders: [{ status: 200, body: orderBody('CONFIRMED') }] },
      SHIPPING,
    );

    const run = await runCli(['order', 'coffee=2', '--timeout', '0.5'], { cloudFile });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^mini-ec: order o-1 is still CONFIRMED, its shipment not requested yet after 0.5s/,
    );
  });

  it('shows a CANCELLED order with its shipment with orders get', async () => {
    const cloudFile = await withApi({
      placed: accepted,
      orders: [{ status: 200, body: orderBody('CANCELLED', cancelled) }],
    });

    const run = await runCli(['orders', 'get', 'o-1'], { cloudFile });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^orderId\s+o-1\nstatus\s+CANCELLED\nreason\s+SHIPPING_FAILED\nshipment\s+FAILED \(SKU_CANNOT_SHIP\)\ntotal\s+1000 JPY\n/,
    );
  });

  it('shows an order with orders get, and a 404 as one line with exit 1', async () => {
    const cloudFile = await withApi({
      placed: accepted,
      orders: [
        { status: 200, body: orderBody('CONFIRMED') },
        {
          status: 404,
          body: {
            type: 'https://mini-ec.dev/problems/order-not-found',
            title: 'Order not found',
            status: 404,
            detail: 'No order o-2.',
            code: 'ORDER_NOT_FOUND',
          },
        },
      ],
    });

    const found = await runCli(['orders', 'get', 'o-1'], { cloudFile });
    const missing = await runCli(['orders', 'get', 'o-2'], { cloudFile });

    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/^orderId\s+o-1\nstatus\s+CONFIRMED\ntotal\s+1000 JPY\n/);
    expect(found.stdout).toMatch(/coffee\s+2\s+500/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('mini-ec: ORDER_NOT_FOUND (404): No order o-2.\n');
  });
});
