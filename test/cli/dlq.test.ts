import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../lambdas/shared/events.js';
import {
  ItemKind,
  orderEventKey,
  orderKey,
  paymentKey,
  shipmentKey,
} from '../../lambdas/shared/keys.js';
import { outboxEventPut } from '../../lambdas/shared/outbox.js';
import { assertValidQueueMessage } from '../../proof/contracts.js';
import { runCli } from '../support/cli.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** A sequence number of the right length that no shard of the test stream holds. */
const GONE_START = '1'.padStart(21, '0');
const placed = (n: number) => ({
  specversion: '1.0',
  id: `e-${n}`,
  source: 'mini-ec/api',
  type: 'order.placed.v1',
  subject: `o-${n}`,
  time: '2026-11-22T10:00:00.000Z',
  datacontenttype: 'application/json',
  correlationid: `cid-${n}`,
  sagaid: `o-${n}`,
  data: { orderId: `o-${n}`, items: [{ sku: 'coffee', qty: 1 }], total: 500, currency: 'JPY' },
});
/** A fact about order o-<n> as another service's queue gets it (a CloudEvent, raw delivery). */
const fact = (n: number, type: string, source: string) => ({
  ...placed(n),
  id: `${type}-${n}`,
  type,
  source,
  data: { orderId: `o-${n}` },
});
/** The message attributes the relay publishes with an event (raw delivery keeps them). */
const attributes = (e: { type: string; source: string; id: string; correlationid: string }) => ({
  type: { DataType: 'String', StringValue: e.type },
  source: { DataType: 'String', StringValue: e.source },
  id: { DataType: 'String', StringValue: e.id },
  correlationid: { DataType: 'String', StringValue: e.correlationid },
});

describe('mini-ec dlq, on DynamoDB Local (with its stream) and the SQS emulator', () => {
  let dynamo: LocalDynamo;
  let server: FauxqsServer;
  let sqs: SQSClient;
  let streams: DynamoDBStreamsClient;
  let dir: string;
  let cloudFile: string;
  let table: string;
  /** The other services' tables, whose outboxes `--from-table` reads too. */
  const outboxTables = { payments: '', inventory: '', shipments: '' };
  let streamArn: string;
  const queues = {
    orders: '',
    ordersDlq: '',
    relayDlq: '',
    shipping: '',
    shippingDlq: '',
    payment: '',
    paymentDlq: '',
    inventory: '',
    inventoryDlq: '',
  };
  /** The outputs of the functions' queues besides the orders queue, as the stack names them. */
  let factQueueOutputs: Record<string, string>;

  beforeAll(async () => {
    [dynamo, server] = await Promise.all([
      startLocalDynamo(),
      startFauxqs({ port: 0, logger: false, host: 'localhost' }),
    ]);
    table = await dynamo.createTable('dlq-orders', { stream: 'NEW_IMAGE' });
    for (const name of ['payments', 'inventory', 'shipments'] as const)
      outboxTables[name] = await dynamo.createTable(`dlq-${name}`);
    const ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
    streamArn = String(
      (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn,
    );
    ddb.destroy();
    streams = new DynamoDBStreamsClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials,
    });
    const endpoint = `http://127.0.0.1:${server.port}`;
    sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials });
    queues.ordersDlq = server.createQueue('cli-orders-dlq', {}).queueUrl;
    queues.relayDlq = server.createQueue('cli-relay-dlq', {}).queueUrl;
    queues.orders = server.createQueue('cli-orders', {}).queueUrl;
    for (const name of ['shipping', 'payment', 'inventory'] as const) {
      queues[name] = server.createQueue(`cli-${name}`, {}).queueUrl;
      queues[`${name}Dlq`] = server.createQueue(`cli-${name}-dlq`, {}).queueUrl;
    }
    factQueueOutputs = {
      ShippingQueueUrl: queues.shipping,
      ShippingDlqUrl: queues.shippingDlq,
      PaymentFactsQueueUrl: queues.payment,
      PaymentFactsDlqUrl: queues.paymentDlq,
      InventoryFactsQueueUrl: queues.inventory,
      InventoryFactsDlqUrl: queues.inventoryDlq,
    };
    // The events topic, with the orders queue subscribed as the stack subscribes it.
    const { topicArn } = server.createTopic('cli-order-events', { region: 'us-east-1' });
    server.subscribe({
      topic: 'cli-order-events',
      queue: 'cli-orders',
      region: 'us-east-1',
      attributes: {
        RawMessageDelivery: 'true',
        FilterPolicy: JSON.stringify({
          type: ['order.placed.v1', 'shipping.requested.v1', 'payment.refunded.v1'],
        }),
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'mini-ec-dlq-'));
    cloudFile = join(dir, 'cloud.json');
    writeFileSync(
      cloudFile,
      JSON.stringify({
        apiUrl: 'http://127.0.0.1:9',
        region: 'us-east-1',
        endpoints: { sqs: endpoint, sns: endpoint, dynamodb: dynamo.endpoint },
        credentials,
        outputs: {
          ApiUrl: 'http://127.0.0.1:9',
          OrdersTableName: table,
          InventoryTableName: outboxTables.inventory,
          PaymentsTableName: outboxTables.payments,
          ShipmentsTableName: outboxTables.shipments,
          OrderEventsTopicArn: topicArn,
          OrdersQueueUrl: queues.orders,
          OrdersDlqUrl: queues.ordersDlq,
          RelayDlqUrl: queues.relayDlq,
          ...factQueueOutputs,
        },
      }),
    );
  });

  afterAll(async () => {
    sqs?.destroy();
    streams?.destroy();
    await Promise.all([server?.stop(), dynamo?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    for (const url of Object.values(queues))
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  });

  /** Writes an order as the api does: the ORDER item and its order.placed.v1 EVENT item. */
  async function putOrder(n: number, status = 'PENDING', extra: Record<string, unknown> = {}) {
    const event = placed(n);
    await dynamo.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...orderKey(event.subject),
          kind: ItemKind.order,
          orderId: event.subject,
          status,
          ...extra,
        },
      }),
    );
    await dynamo.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...orderEventKey(event.subject, event.type),
          kind: ItemKind.event,
          orderId: event.subject,
          type: event.type,
          event,
        },
      }),
    );
    return event;
  }

  /** Writes a service's outbox event beside its item of the order, as the service does. */
  async function putOutboxEvent(tableName: string, of: { pk: string }, event: { type: string }) {
    await dynamo.db.send(new PutCommand(outboxEventPut(tableName, of, event as CloudEvent)));
  }

  async function drain(url: string): Promise<Message[]> {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return all;
      all.push(...Messages);
    }
  }

  /** Every record of the stream so far (one shard locally), oldest first. */
  async function streamRecords() {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    const shardId = String(StreamDescription?.Shards?.[0]?.ShardId);
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    const records = [];
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (!page.Records?.length) break;
      records.push(...page.Records);
      iterator = page.NextShardIterator;
    }
    return { shardId, records };
  }

  /** An on-failure record as Lambda writes it for a DynamoDB stream batch. */
  const onFailureRecord = (shardId: string, start: string, end: string, batchSize: number) => ({
    requestContext: {
      requestId: 'r-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:relay',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-22T10:00:05.000Z',
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: '2026-11-22T10:00:00.000Z',
      approximateArrivalOfLastRecord: '2026-11-22T10:00:01.000Z',
      batchSize,
      streamArn,
    },
  });

  /** Puts an on-failure record for a shard the stream does not hold (trimmed, or never there). */
  const sendGoneRange = () =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.relayDlq,
        MessageBody: JSON.stringify(
          onFailureRecord(
            'shardId-00000001700000000000-00000000',
            GONE_START,
            '2'.padStart(21, '0'),
            1,
          ),
        ),
      }),
    );

  it('lists each DLQ readably — order, status, correlation ID, receive count and the worker’s last error — without taking anything away', async () => {
    const event = await putOrder(1, 'PENDING', {
      failedAttempts: 5,
      lastError: 'ParticipantUnavailableError: charge → payment: function error InjectedFaultError',
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.ordersDlq,
        MessageBody: JSON.stringify(event),
        MessageAttributes: attributes(event),
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.relayDlq,
        MessageBody: JSON.stringify(onFailureRecord('shard-1', '100', '200', 3)),
      }),
    );

    const listed = await runCli(['dlq', 'list', '--json'], { cloudFile });
    const human = await runCli(['dlq', 'list'], { cloudFile });
    const again = await runCli(['dlq', 'list', '--queue', 'orders', '--json'], { cloudFile });

    expect(listed.stderr).toBe('');
    const json = listed.json<{
      orders: { approximateCount: number; messages: Record<string, unknown>[] };
      relay: { records: Record<string, unknown>[] };
    }>();
    expect(json.orders.approximateCount).toBe(1);
    expect(json.orders.messages).toEqual([
      expect.objectContaining({
        orderId: 'o-1',
        orderStatus: 'PENDING',
        correlationId: 'cid-1',
        eventType: 'order.placed.v1',
        failedAttempts: 5,
        lastError: expect.stringContaining('InjectedFaultError'),
        receiveCount: 1, // the first receive seen: this list's own peeks are not counted twice
      }),
    ]);
    expect(json.relay.records).toEqual([
      expect.objectContaining({
        shardId: 'shard-1',
        startSequenceNumber: '100',
        endSequenceNumber: '200',
        batchSize: 3,
        condition: 'RetryAttemptsExhausted',
        functionError: 'Unhandled',
      }),
    ]);
    expect(human.stdout).toMatch(
      /orders DLQ: 1 message\(s\)\n\s+orderId\s+eventType\s+orderStatus\s+correlationId\s+receiveCount\s+failedAttempts\s+lastError/,
    );
    expect(human.stdout).toMatch(/relay DLQ .*: 1 record\(s\)/);
    expect(again.json<{ orders: { approximateCount: number } }>().orders.approximateCount).toBe(1);
  });

  /** Puts each compensation step's fact about order o-<n> in the DLQ of the queue that takes it. */
  async function deadFacts(n: number) {
    const facts = {
      shippingDlq: fact(n, 'order.confirmed.v1', 'mini-ec/worker'),
      paymentDlq: fact(n, 'shipping.failed.v1', 'mini-ec/shipping'),
      inventoryDlq: fact(n, 'payment.refunded.v1', 'mini-ec/payment'),
    };
    for (const [dlq, event] of Object.entries(facts)) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues[dlq as keyof typeof facts],
          MessageBody: JSON.stringify(event),
          MessageAttributes: attributes(event),
        }),
      );
    }
    return facts;
  }

  it('lists the shipping, payment and inventory DLQs with each message’s order, without the worker’s attempts, and every DLQ by default', async () => {
    await putOrder(41, 'CONFIRMED', {
      failedAttempts: 2,
      lastError: 'the worker’s, not shipping’s',
    });
    await deadFacts(41);

    const all = await runCli(['dlq', 'list', '--json'], { cloudFile });
    const human = await runCli(['dlq', 'list', '--queue', 'all'], { cloudFile });
    const one = await runCli(['dlq', 'list', '--queue', 'inventory', '--json'], { cloudFile });

    expect(all.stderr).toBe('');
    type Peeked = { approximateCount: number; messages: Record<string, unknown>[] };
    const json = all.json<Record<string, Peeked>>();
    expect(Object.keys(json)).toEqual(['orders', 'shipping', 'payment', 'inventory', 'relay']);
    expect(json.orders?.approximateCount).toBe(0);
    for (const [queue, eventType] of [
      ['shipping', 'order.confirmed.v1'],
      ['payment', 'shipping.failed.v1'],
      ['inventory', 'payment.refunded.v1'],
    ] as const) {
      expect(json[queue]?.approximateCount).toBe(1);
      expect(json[queue]?.messages).toEqual([
        expect.objectContaining({
          orderId: 'o-41',
          eventType,
          orderStatus: 'CONFIRMED',
          correlationId: 'cid-41',
          receiveCount: 1,
          failedAttempts: null,
          lastError: null,
        }),
      ]);
    }
    expect(human.stdout).toMatch(
      /shipping DLQ: 1 message\(s\)\n\s+orderId\s+eventType\s+orderStatus\s+correlationId\s+receiveCount\s+sentAt\n\s+o-41\s+order\.confirmed\.v1\s+CONFIRMED/,
    );
    expect(human.stdout).toMatch(/payment DLQ: 1 message\(s\)\n/);
    expect(human.stdout).toMatch(/inventory DLQ: 1 message\(s\)\n/);
    expect(Object.keys(one.json<Record<string, Peeked>>())).toEqual(['inventory']);
  });

  it('redrives the shipping, payment and inventory DLQs each to its own queue, and no other', async () => {
    const facts = await deadFacts(42);

    const shipping = await runCli(['dlq', 'redrive', '--queue', 'shipping', '--json'], {
      cloudFile,
    });
    const payment = await runCli(['dlq', 'redrive', '--queue', 'payment'], { cloudFile });
    const inventory = await runCli(['dlq', 'redrive', '--queue', 'inventory', '--max', '5'], {
      cloudFile,
    });

    expect(shipping.json()).toEqual({ moved: 1, method: 'receive-and-send' });
    expect(payment.stdout).toBe(
      'moved 1 message(s) from the payment DLQ to the payment queue (receive-and-send)\n',
    );
    expect(inventory.code).toBe(0);
    for (const [queue, dlq] of [
      ['shipping', 'shippingDlq'],
      ['payment', 'paymentDlq'],
      ['inventory', 'inventoryDlq'],
    ] as const) {
      const moved = await drain(queues[queue]);
      expect(moved.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([facts[dlq]]);
      expect(moved[0]?.MessageAttributes?.type?.StringValue).toBe(facts[dlq].type);
      expect(await drain(queues[dlq])).toEqual([]);
    }
    expect(await drain(queues.orders)).toEqual([]);
  });

  it('on a target deployed before the new DLQs, lists the others and says which are missing; naming one is an error', async () => {
    const old = join(dir, 'old-cloud.json');
    const cloud = JSON.parse(readFileSync(cloudFile, 'utf8'));
    for (const name of Object.keys(factQueueOutputs)) delete cloud.outputs[name];
    writeFileSync(old, JSON.stringify(cloud));

    const listed = await runCli(['dlq', 'list'], { cloudFile: old });
    const named = await runCli(['dlq', 'list', '--queue', 'shipping'], { cloudFile: old });

    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^orders DLQ: 0 message\(s\)\n/);
    expect(listed.stdout).toContain(
      'shipping DLQ: not in this target (no output ShippingQueueUrl, ShippingDlqUrl)\n',
    );
    expect(listed.stdout).toContain(
      'inventory DLQ: not in this target (no output InventoryFactsQueueUrl, InventoryFactsDlqUrl)\n',
    );
    expect(listed.stdout).toMatch(/relay DLQ .*: 0 record\(s\)\n$/);
    expect(named.code).toBe(2);
    expect(named.stderr).toBe(
      'mini-ec: the target lacks the outputs ShippingQueueUrl and ShippingDlqUrl\n',
    );
  });

  it('redrives the orders DLQ by receive-and-send where there is no message-move task (fauxqs), every message once, --max first', async () => {
    for (const n of [11, 12, 13]) {
      const e = placed(n);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.ordersDlq,
          MessageBody: JSON.stringify(e),
          MessageAttributes: attributes(e),
        }),
      );
    }

    const some = await runCli(['dlq', 'redrive', '--max', '2', '--json'], { cloudFile });
    const rest = await runCli(['dlq', 'redrive'], { cloudFile });
    const moved = await drain(queues.orders);

    expect(some.json()).toEqual({ moved: 2, method: 'receive-and-send' });
    expect(rest.stdout).toBe(
      'moved 1 message(s) from the orders DLQ to the orders queue (receive-and-send)\n',
    );
    expect(moved.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([
      'e-11',
      'e-12',
      'e-13',
    ]);
    for (const m of moved)
      assertValidQueueMessage({ body: m.Body ?? '', messageAttributes: m.MessageAttributes ?? {} });
    expect(await drain(queues.ordersDlq)).toEqual([]);
  });

  it('replays a stream failure: exactly the EVENT inserts of its range are published to the events topic as the relay publishes them, and reach the orders queue', async () => {
    const before = (await streamRecords()).records.length;
    const e21 = await putOrder(21);
    const e22 = await putOrder(22);
    await dynamo.db.send(
      new UpdateCommand({
        TableName: table,
        Key: orderKey('o-21'),
        UpdateExpression: 'SET #s = :c',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':c': 'CONFIRMED' },
      }),
    );
    await putOrder(23); // after the failed range: must not be replayed
    const { shardId, records } = await streamRecords();
    const range = records.slice(before, before + 5); // o-21 order+event, o-22 order+event, o-21 MODIFY
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.relayDlq,
        MessageBody: JSON.stringify(
          onFailureRecord(
            shardId,
            String(range[0]?.dynamodb?.SequenceNumber),
            String(range[4]?.dynamodb?.SequenceNumber),
            5,
          ),
        ),
      }),
    );

    const replay = await runCli(['dlq', 'redrive', '--queue', 'relay', '--json'], { cloudFile });
    const sent = await drain(queues.orders);

    expect(replay.stderr).toBe('');
    expect(replay.json()).toEqual({ moved: 1, method: 'stream-replay', eventsSent: 2 });
    expect(sent.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([e21, e22]);
    for (const m of sent)
      assertValidQueueMessage({ body: m.Body ?? '', messageAttributes: m.MessageAttributes ?? {} });
    expect(await drain(queues.relayDlq)).toEqual([]);
  });

  it('says to use --from-table when the stream no longer holds the range, and keeps the record', async () => {
    await sendGoneRange();

    const replay = await runCli(['dlq', 'redrive', '--queue', 'relay'], { cloudFile });

    const kept = await runCli(['dlq', 'list', '--queue', 'relay', '--json'], { cloudFile });

    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/no longer holds .*--from-table/);
    expect(kept.json<{ relay: { approximateCount: number } }>().relay.approximateCount).toBe(1);
  });

  it('says what was replayed before a record it cannot replay, and gives that record back at once', async () => {
    const { shardId, records } = await streamRecords();
    const first = String(records[0]?.dynamodb?.SequenceNumber);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.relayDlq,
        MessageBody: JSON.stringify(onFailureRecord(shardId, first, first, 1)),
      }),
    );
    await sendGoneRange();

    const replay = await runCli(['dlq', 'redrive', '--queue', 'relay'], { cloudFile });
    const visibleAgain = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.relayDlq, MaxNumberOfMessages: 10 }),
    );

    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(
      /before this, 1 record\(s\) were replayed .*stay in the relay DLQ/,
    );
    expect(
      visibleAgain.Messages?.map(
        (m) => JSON.parse(m.Body ?? '{}').DDBStreamBatchInfo.startSequenceNumber,
      ),
    ).toEqual([GONE_START]);
  });

  it('with --from-table, republishes every outbox event of the orders not settled, from every service table, and empties the relay DLQ', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.relayDlq,
        MessageBody: JSON.stringify(onFailureRecord('gone', '1', '2', 1)),
      }),
    );
    await putOrder(31, 'FAILED');
    await putOrder(32, 'CANCELLED');
    // Settled: its shipment is requested (o-21 is CONFIRMED by the stream-replay test).
    await dynamo.db.send(
      new UpdateCommand({
        TableName: table,
        Key: orderKey('o-21'),
        UpdateExpression: 'SET shipment = :s',
        ExpressionAttributeValues: { ':s': { status: 'REQUESTED' } },
      }),
    );
    // Not settled: CONFIRMED, but the shipments table's event never reached the order service.
    await putOrder(24, 'CONFIRMED');
    const requested = fact(24, 'shipping.requested.v1', 'mini-ec/shipping');
    await putOutboxEvent(outboxTables.shipments, shipmentKey('o-24'), requested);
    // Not settled: its shipment failed, and payment's refund never reached inventory.
    await putOrder(25, 'CONFIRMED', { shipment: { status: 'FAILED' } });
    const refunded = fact(25, 'payment.refunded.v1', 'mini-ec/payment');
    await putOutboxEvent(outboxTables.payments, paymentKey('o-25'), refunded);
    // A fact the order service keeps on its timeline is no outbox event: not sent.
    await dynamo.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...orderEventKey('o-25', 'shipping.failed.v1'),
          kind: ItemKind.fact,
          event: fact(25, 'shipping.failed.v1', 'mini-ec/shipping'),
        },
      }),
    );

    const replay = await runCli(['dlq', 'redrive', '--queue', 'relay', '--from-table', '--json'], {
      cloudFile,
    });
    const sent = (await drain(queues.orders)).map((m) => JSON.parse(m.Body ?? '{}'));
    const sentOf = (orderId: string) =>
      sent.filter((e) => e.subject === orderId).map((e) => e.type as string);

    expect(replay.json()).toMatchObject({ moved: 1, method: 'from-table' });
    expect((replay.json() as { eventsSent: number }).eventsSent).toBe(sent.length);
    expect(sentOf('o-22')).toEqual(['order.placed.v1']); // PENDING
    expect(sentOf('o-23')).toEqual(['order.placed.v1']);
    expect(sentOf('o-24')).toEqual(['order.placed.v1', 'shipping.requested.v1']);
    expect(sentOf('o-25')).toEqual(['order.placed.v1', 'payment.refunded.v1']);
    expect(sent).toContainEqual(requested);
    expect(sent).toContainEqual(refunded);
    expect(sentOf('o-21')).toEqual([]); // CONFIRMED, shipment requested
    expect(sentOf('o-31')).toEqual([]); // FAILED
    expect(sentOf('o-32')).toEqual([]); // CANCELLED
    expect(await drain(queues.relayDlq)).toEqual([]);
  });

  it('with --from-table on a target deployed before the shipping service, reads the other outboxes and leaves the shipments table out', async () => {
    const old = join(dir, 'before-shipping-cloud.json');
    const cloud = JSON.parse(readFileSync(cloudFile, 'utf8'));
    delete cloud.outputs.ShipmentsTableName;
    writeFileSync(old, JSON.stringify(cloud));

    const replay = await runCli(['dlq', 'redrive', '--queue', 'relay', '--from-table', '--json'], {
      cloudFile: old,
    });
    const sent = (await drain(queues.orders)).map((m) => JSON.parse(m.Body ?? '{}'));
    const sentOf = (orderId: string) =>
      sent.filter((e) => e.subject === orderId).map((e) => e.type as string);

    expect(replay.code).toBe(0);
    expect(replay.json()).toMatchObject({ moved: 0, method: 'from-table' });
    // o-24 and o-25 of the test before are still not settled.
    expect(sentOf('o-24')).toEqual(['order.placed.v1']);
    expect(sentOf('o-25')).toEqual(['order.placed.v1', 'payment.refunded.v1']);
  });

  it('refuses options that do not fit the queue', async () => {
    const bad = await runCli(['dlq', 'redrive', '--queue', 'elsewhere'], { cloudFile });
    const maxOnRelay = await runCli(['dlq', 'redrive', '--queue', 'relay', '--max', '1'], {
      cloudFile,
    });

    expect([bad.code, maxOnRelay.code]).toEqual([2, 2]);
    expect(bad.stderr).toMatch(/--queue must be orders, shipping, payment, inventory or relay/);
  });
});
