/**
 * What the proof reads of a local cloud's tables: each order's state as it ended (or still
 * is), its timeline's first event, its shipments, and waiting until the orders settle.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import { ItemKind, orderEventKey, orderKey } from '../lambdas/shared/keys.js';
import { hasSettled, type OrderState } from '../lambdas/shared/settled.js';
import type { CloudInfo } from '../local/cloud.js';

/** An order as it ended (or still is). */
export interface OrderOutcome {
  orderId: string;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
  reason?: string;
  /** The shipping service's word, once the order service heard it. */
  shipment?: { status: string; reason?: string };
  /** Whether the order will change no more (lambdas/shared/settled.ts). */
  settled: boolean;
  createdAt: string;
  updatedAt: string;
  failedAttempts: number;
  /** The worker's last error on it, if an attempt failed. */
  lastError?: string;
}

/** Reads the local cloud's tables for the proof. */
export class ProofProbe {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    private readonly cloud: Pick<CloudInfo, 'endpoints' | 'region' | 'credentials' | 'outputs'>,
  ) {
    const credentials = { ...cloud.credentials };
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region: cloud.region, credentials }),
    );
  }

  private output(name: string): string {
    const value = this.cloud.outputs[name];
    if (!value) throw new Error(`the local cloud has no output ${name}`);
    return value;
  }

  /** The orders, read 100 at a time (consistent reads); missing ones are left out. */
  async orders(orderIds: readonly string[]): Promise<Map<string, OrderOutcome>> {
    const found = new Map<string, OrderOutcome>();
    const table = this.output('OrdersTableName');
    for (let i = 0; i < orderIds.length; i += 100) {
      let keys: Record<string, unknown>[] = orderIds.slice(i, i + 100).map((id) => orderKey(id));
      while (keys.length > 0) {
        const page = await this.db.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of page.Responses?.[table] ?? []) {
          found.set(String(item.orderId), {
            orderId: String(item.orderId),
            status: item.status,
            ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
            ...(item.shipment ? { shipment: item.shipment } : {}),
            settled: hasSettled(item as OrderState),
            createdAt: String(item.createdAt),
            updatedAt: String(item.updatedAt),
            failedAttempts: typeof item.failedAttempts === 'number' ? item.failedAttempts : 0,
            ...(typeof item.lastError === 'string' ? { lastError: item.lastError } : {}),
          });
        }
        keys = (page.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  /**
   * Polls until every order has settled or `timeoutMs` passes; returns each
   * order's last state (a missing order is absent from the map).
   */
  async awaitConvergence(
    orderIds: readonly string[],
    timeoutMs: number,
    pollMs = 500,
  ): Promise<Map<string, OrderOutcome>> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, OrderOutcome>();
    let pending = [...orderIds];
    for (;;) {
      const read = await this.orders(pending);
      for (const [id, outcome] of read) last.set(id, outcome);
      pending = pending.filter((id) => !last.get(id)?.settled);
      if (pending.length === 0 || Date.now() > deadline) return last;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** How many shipment items each order has in the shipments table (orders with none: absent). */
  async shipmentCounts(orderIds: readonly string[]): Promise<Map<string, number>> {
    const table = this.output('ShipmentsTableName');
    const wanted = new Set(orderIds);
    const counts = new Map<string, number>();
    for await (const page of paginateScan(
      { client: this.db },
      { TableName: table, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) {
        const orderId = String(item.orderId);
        if (item.kind === ItemKind.shipment && wanted.has(orderId))
          counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The last errors recorded by the worker on these orders (the ones that have one). */
  async lastErrors(orderIds: readonly string[]): Promise<string[]> {
    const orders = await this.orders(orderIds);
    return [...orders.values()].flatMap((o) => (o.lastError ? [o.lastError] : []));
  }

  /** The order.placed.v1 event of an order as the outbox stored it. */
  async placedEvent(orderId: string): Promise<Record<string, unknown>> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.output('OrdersTableName'),
        Key: orderEventKey(orderId, 'order.placed.v1'),
        ConsistentRead: true,
      }),
    );
    if (!Item?.event) throw new Error(`order ${orderId} has no order.placed.v1 event item`);
    return Item.event as Record<string, unknown>;
  }

  close(): void {
    this.db.destroy();
  }
}
