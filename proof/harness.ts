import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { type PaymentView, Stores } from '../cli/stores.js';
import { resolveTarget } from '../cli/target.js';
import type { CloudEvent } from '../lambdas/shared/events.js';
import { ItemKind } from '../lambdas/shared/keys.js';
import { batchEntries, toQueueMessage } from '../lambdas/shared/queue-messages.js';
import { hasSettled, type OrderState } from '../lambdas/shared/settled.js';
import { type LocalCloud, type LogLine, startLocalCloud } from '../local/cloud.js';
import { assertMatchesOpenApi, assertValidCloudEvent } from './contracts.js';
import { assemblyFor, E2E_STACKS, type StackOptions } from './stacks.js';

/** A JSON HTTP answer as the tests look at it. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * Reads a real answer and checks it against docs/openapi.yaml (and every CloudEvent in it
 * against docs/asyncapi.yaml), so each end-to-end request also tests the contract.
 */
async function checked(method: string, path: string, response: Response): Promise<Answer> {
  const body = (await response.json()) as Record<string, unknown>;
  assertMatchesOpenApi({ method, path, status: response.status, headers: response.headers, body });
  if (Array.isArray(body.events)) for (const event of body.events) assertValidCloudEvent(event);
  return { status: response.status, headers: response.headers, body };
}

/** Client of a running local cloud's HTTP API; every answer is checked against the contract. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  /** POST /orders with the given headers (an Idempotency-Key is generated unless given or null). */
  async placeOrder(body: unknown, headers: Record<string, string | null> = {}): Promise<Answer> {
    const sent: Record<string, string> = { 'content-type': 'application/json' };
    const key =
      headers['idempotency-key'] === undefined ? randomUUID() : headers['idempotency-key'];
    if (key !== null) sent['idempotency-key'] = key;
    for (const [name, value] of Object.entries(headers)) if (value !== null) sent[name] = value;
    const response = await fetch(`${this.baseUrl}/orders`, {
      method: 'POST',
      headers: sent,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return checked('POST', '/orders', response);
  }

  /** GET a path of the API. */
  async get(path: string): Promise<Answer> {
    return checked('GET', path, await fetch(`${this.baseUrl}${path}`));
  }

  /** Polls GET /orders/{id} until the order has settled (hasSettled), or the time runs out. */
  async waitForOutcome(
    orderId: string,
    timeoutMs = 60_000,
    pollMs = 100,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await this.get(`/orders/${orderId}`);
      expect(status).toBe(200);
      if (hasSettled(body as OrderState)) return body;
      if (Date.now() > deadline)
        throw new Error(`order ${orderId} still ${String(body.status)} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

/** The queues the bus delivers to (their URLs' output names): the orders queue and the facts'. */
const CONSUMER_QUEUES = [
  'OrdersQueueUrl',
  'ShippingQueueUrl',
  'PaymentFactsQueueUrl',
  'InventoryFactsQueueUrl',
] as const;

/** A running local cloud plus the few direct data operations the end-to-end tests need. */
export interface E2eCloud {
  readonly apiUrl: string;
  readonly cloud: LocalCloud;
  /** The cloud.json the CLI reads to find this local cloud. */
  readonly cloudFile: string;
  /** Sets a sku's catalog price and stock on hand (`mini-ec stock set`, `--no-ship`). */
  setStock(sku: string, qty: number, price: number, options?: { noShip?: boolean }): Promise<void>;
  stock(sku: string): Promise<{ available: number; reserved: number }>;
  /** The payments of an order (`mini-ec payments list`). */
  paymentsOf(orderId: string): Promise<PaymentView[]>;
  countOrders(): Promise<number>;
  /** Sends an event to the orders queue as the relay would (a duplicate delivery), maybe delayed. */
  sendToOrdersQueue(event: unknown, delaySeconds?: number): Promise<void>;
  /** Sends an event to a consumer's queue (by its URL's output name), as the bus would deliver it. */
  sendToQueue(queueOutput: string, event: unknown, delaySeconds?: number): Promise<void>;
  /** Waits until no consumer queue of the bus has a visible, in-flight or delayed message. */
  waitForQueuesToDrain(timeoutMs?: number): Promise<void>;
  /** The shipment items of an order in the shipments table (none, one, or a bug). */
  shipmentsOf(orderId: string): Promise<Record<string, unknown>[]>;
  /** Service names of the functions that logged a line with this correlation id. */
  functionsThatLogged(correlationId: string): Set<string>;
  logLinesMatching(pattern: RegExp): LogLine[];
  functionAssets(): { name: string; assetDir: string }[];
  stop(): Promise<void>;
}

/**
 * Starts a whole local cloud on free ports, quiet, with its state in a temporary folder;
 * `meter` puts the DynamoDB meter in front of DynamoDB Local (what `mini-ec cost` needs).
 */
export async function startE2eCloud(
  options: StackOptions = E2E_STACKS.default,
  { meter = false }: { meter?: boolean } = {},
): Promise<E2eCloud> {
  const assemblyDir = await assemblyFor(options);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-ec-e2e-'));
  const lines: LogLine[] = [];
  const cloud = await startLocalCloud({
    port: 0,
    stateDir,
    assemblyDir,
    console: false,
    meter,
    onLog: (line) => lines.push(line),
  });
  // The same data access as `npx mini-ec`, pointed at this cloud's cloud.json.
  const cloudFile = path.join(stateDir, 'cloud.json');
  const stores = new Stores(resolveTarget({ cloudFile, env: {} }));
  const credentials = cloud.credentials;
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region: cloud.region, credentials }),
  );
  const sqs = new SQSClient({ endpoint: cloud.endpoints.sqs, region: cloud.region, credentials });
  const output = (name: string): string => {
    const value = cloud.outputs[name];
    if (!value) throw new Error(`the local cloud has no output ${name}`);
    return value;
  };
  const scanAll = async (table: string) => {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: ddb }, { TableName: table }))
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    return items;
  };

  const sendToQueue = async (queueOutput: string, event: unknown, delaySeconds = 0) => {
    assertValidCloudEvent(event);
    // The message the bus delivers with raw delivery: the event and its string attributes.
    const [entry] = batchEntries([toQueueMessage(event as CloudEvent)]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: output(queueOutput),
        MessageBody: entry?.MessageBody,
        DelaySeconds: delaySeconds,
        MessageAttributes: entry?.MessageAttributes,
      }),
    );
  };

  return {
    apiUrl: cloud.apiUrl,
    cloud,
    cloudFile,
    async setStock(sku, qty, price, options) {
      await stores.setStock(sku, qty, price, options);
    },
    async stock(sku) {
      const view = await stores.getStock(sku);
      if (!view) throw new Error(`no stock item for ${sku}`);
      return view;
    },
    paymentsOf: (orderId) => stores.listPayments(orderId),
    async countOrders() {
      const items = await scanAll(output('OrdersTableName'));
      return items.filter((item) => item.kind === ItemKind.order).length;
    },
    sendToOrdersQueue: (event, delaySeconds = 0) =>
      sendToQueue('OrdersQueueUrl', event, delaySeconds),
    sendToQueue,
    async waitForQueuesToDrain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const queues = CONSUMER_QUEUES.map(output);
      for (;;) {
        const depths = await Promise.all(
          queues.map(async (QueueUrl) => {
            const { Attributes } = await sqs.send(
              new GetQueueAttributesCommand({
                QueueUrl,
                AttributeNames: [
                  'ApproximateNumberOfMessages',
                  'ApproximateNumberOfMessagesNotVisible',
                  'ApproximateNumberOfMessagesDelayed',
                ],
              }),
            );
            return (
              Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
              Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
              Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
            );
          }),
        );
        const pending = depths.reduce((a, b) => a + b, 0);
        if (pending === 0) return;
        if (Date.now() > deadline)
          throw new Error(`the consumer queues still hold ${pending} messages`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async shipmentsOf(orderId) {
      const items = await scanAll(output('ShipmentsTableName'));
      return items.filter((item) => item.kind === ItemKind.shipment && item.orderId === orderId);
    },
    functionsThatLogged(correlationId) {
      return new Set(
        lines
          .filter((l) => l.json?.correlation_id === correlationId)
          .map((l) => String(l.json?.service)),
      );
    },
    logLinesMatching(pattern) {
      return lines.filter((l) => pattern.test(l.text));
    },
    functionAssets() {
      return cloud.functions.map((f) => ({ name: f.displayName, assetDir: f.assetDir }));
    },
    async stop() {
      await cloud.stop();
      ddb.destroy();
      sqs.destroy();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
