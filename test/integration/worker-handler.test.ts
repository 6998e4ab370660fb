/**
 * The worker handler itself, on real SQS messages (fauxqs) and DynamoDB Local, reaching the
 * real inventory and payment handlers through the Lambda Invoke API (a minimal in-test Invoke
 * endpoint that AWS_ENDPOINT_URL_LAMBDA points at, as the local cloud does).
 */

import { createServer, type Server } from 'node:http';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../support/ddb.js';
import { type FunctionWorld, startFunctionWorld } from '../support/function-world.js';
import { lambdaContext } from '../support/http-events.js';
import { sqsRecordOf } from '../support/sqs.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type WorkerHandler = (
  event: SQSEvent,
  context: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

let world: FunctionWorld;
let dynamo: LocalDynamo;
let invokeServer: Server;
let sqsClient: SQSClient;
let queueUrl: string;
let tables: FunctionWorld['tables'];
let worker: WorkerHandler;
const functions: Record<string, Handler> = {};
const invocations: { name: string; command: string; reply?: unknown }[] = [];
const failNext: Record<string, number> = {};

beforeAll(async () => {
  world = await startFunctionWorld();
  ({ dynamo, tables } = world);
  queueUrl = world.sqs.createQueue('orders').queueUrl;
  invokeServer = createServer((req, res) => {
    const name = decodeURIComponent(
      /\/functions\/([^/]+)\/invocations/.exec(req.url ?? '')?.[1] ?? '',
    );
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      const payload = JSON.parse(body) as { command: string };
      const invocation: (typeof invocations)[number] = { name, command: payload.command };
      invocations.push(invocation);
      const fn = functions[name];
      const injected = (failNext[payload.command] ?? 0) > 0;
      if (injected) failNext[payload.command] = (failNext[payload.command] ?? 0) - 1;
      try {
        if (!fn || injected) throw new Error('injected function error');
        const result = await fn(payload, lambdaContext(name));
        invocation.reply = result;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      } catch (error) {
        res
          .writeHead(200, {
            'content-type': 'application/json',
            'x-amz-function-error': 'Unhandled',
          })
          .end(JSON.stringify({ errorType: 'Error', errorMessage: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => invokeServer.listen(0, '127.0.0.1', resolve));
  const address = invokeServer.address();
  Object.assign(process.env, world.env, {
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    ORDERS_QUEUE_URL: queueUrl,
    AWS_LAMBDA_FUNCTION_NAME: 'worker',
  });
  functions.inventory = (
    (await import('../../lambdas/inventory/handler.js')) as { handler: Handler }
  ).handler;
  functions.payment = (
    (await import('../../lambdas/payment/handler.js')) as { handler: Handler }
  ).handler;
  worker = (
    (await import('../../lambdas/worker/handler.js')) as unknown as { handler: WorkerHandler }
  ).handler;
  sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  sqsClient?.destroy();
  await new Promise((resolve) => invokeServer?.close(resolve));
  await world?.stop();
});

let n = 0;
/** Writes a PENDING order with stock for it and returns its order.placed.v1 event. */
async function pendingOrder(available = 5) {
  n += 1;
  const orderId = `01WORKERTEST${String(n).padStart(14, '0')}`;
  const sku = `w-sku-${n}`;
  await dynamo.db.send(
    new PutCommand({
      TableName: tables.inventory,
      Item: { pk: `SKU#${sku}`, sk: 'STOCK', kind: 'STOCK', sku, available, reserved: 0 },
    }),
  );
  const now = new Date().toISOString();
  await dynamo.db.send(
    new PutCommand({
      TableName: tables.orders,
      Item: {
        pk: `ORDER#${orderId}`,
        sk: 'ORDER',
        kind: 'ORDER',
        orderId,
        status: 'PENDING',
        items: [{ sku, qty: 1, price: 500 }],
        total: 500,
        currency: 'JPY',
        correlationId: `cid-w-${n}`,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
  return {
    specversion: '1.0',
    id: `evt-w-${n}`,
    source: 'mini-ec/api',
    type: 'order.placed.v1',
    subject: orderId,
    time: now,
    datacontenttype: 'application/json',
    correlationid: `cid-w-${n}`,
    sagaid: orderId,
    data: { orderId, items: [{ sku, qty: 1 }], total: 500, currency: 'JPY' },
  };
}

/** Sends the event to the queue and receives it back as the SQS event source would deliver it. */
async function deliver(event: object, waitSeconds = 0): Promise<SQSEvent> {
  await sqsClient.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }),
  );
  return receive(waitSeconds);
}
async function receive(waitSeconds: number): Promise<SQSEvent> {
  const { Messages = [] } = await sqsClient.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return {
    Records: Messages.map((m) => sqsRecordOf(m, 'orders')),
  };
}
const orderItem = async (orderId: string) =>
  (
    await dynamo.db.send(
      new GetCommand({
        TableName: tables.orders,
        Key: { pk: `ORDER#${orderId}`, sk: 'ORDER' },
        ConsistentRead: true,
      }),
    )
  ).Item;
const statusOf = async (orderId: string) => (await orderItem(orderId))?.status;

describe('worker handler', () => {
  it('runs the saga through Lambda Invoke and confirms; a copy of the event is acknowledged without a second charge', async () => {
    const event = await pendingOrder();
    const chargesOf = () =>
      invocations.filter((i) => i.command === 'charge' && i.reply !== undefined);

    const first = await worker(await deliver(event), lambdaContext('worker', 30_000));
    const charges = chargesOf().length;
    // A second message with the same event (the relay sent it twice): its first receive goes
    // forward without reading the order, and the charge it repeats answers the same payment.
    const second = await worker(await deliver(event), lambdaContext('worker', 30_000));

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(await statusOf(event.subject)).toBe('CONFIRMED');
    expect(charges).toBe(1);
    const replies = chargesOf().map((i) => i.reply as { outcome: string; paymentId: string });
    expect(replies.map((r) => r.outcome)).toEqual(['CHARGED', 'CHARGED']);
    expect(new Set(replies.map((r) => r.paymentId)).size).toBe(1);
  });

  it('reports a function error as a batch item failure, delays the message by the backoff, and succeeds on the next delivery', async () => {
    const event = await pendingOrder();
    failNext.charge = 1;
    const delivery = await deliver(event);

    const invoked = Date.now();
    const failed = await worker(delivery, lambdaContext('worker', 30_000));
    const afterFailure = await orderItem(event.subject);
    const later = await receive(5);
    const receivedAgain = Date.now();
    const retried = await worker(later, lambdaContext('worker', 30_000));

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: delivery.Records[0]?.messageId }]);
    // Visible again only after the first attempt's backoff (1 s from the failure, which came
    // after the invocation began), long before the queue's visibility timeout.
    expect(later.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(receivedAgain - invoked).toBeGreaterThanOrEqual(950);
    expect(afterFailure?.failedAttempts).toBe(1);
    expect(afterFailure?.lastError).toMatch(
      /^ParticipantUnavailableError: charge → .*injected function error/,
    );
    expect(retried.batchItemFailures).toEqual([]);
    expect(await statusOf(event.subject)).toBe('CONFIRMED');
  });

  it('reports a message that is not an order.placed.v1 event', async () => {
    const delivery = await deliver({ hello: 'world' });

    const answer = await worker(delivery, lambdaContext('worker', 30_000));

    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: delivery.Records[0]?.messageId }]);
  });
});
