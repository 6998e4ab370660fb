/**
 * The orders table as the API sees it: a port for the use cases and its DynamoDB adapter,
 * which turns SDK exceptions into the domain errors of ./errors.ts.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll, cancellationCodes } from '../shared/dynamodb.js';
import { asCloudEvent, type CloudEvent, orderEventItem } from '../shared/events.js';
import {
  catalogKey,
  ItemKind,
  idempotencyGuardKey,
  ORDER_EVENT_SK_PREFIX,
  orderKey,
  skuOfCatalogPk,
} from '../shared/keys.js';
import { type CatalogEntry, type OrderView, toOrderView } from './domain.js';
import { IdempotencyGuardExistsError, OrdersUnavailableError } from './errors.js';

/** What binds an Idempotency-Key (hashed) to the order it created. */
export interface IdempotencyGuard {
  keyHash: string;
  orderId: string;
  requestHash: string;
  /** Epoch seconds after which the key is free again (also the table's TTL attribute). */
  expiresAt: number;
}

/** A new order, its first event (the outbox) and its idempotency guard: written together. */
export interface NewOrder {
  order: OrderView & { sagaId: string };
  event: CloudEvent<'order.placed.v1'>;
  guard: IdempotencyGuard;
}

/** What the API use cases need from the orders table. */
export interface OrderStore {
  /** The catalog entries of the skus that have one. */
  getCatalog(skus: readonly string[]): Promise<Map<string, CatalogEntry>>;
  /**
   * Writes order, event and guard in one transaction; IdempotencyGuardExistsError if the key
   * has a guard that has not expired.
   */
  createOrder(newOrder: NewOrder): Promise<void>;
  /** The guard of a hashed Idempotency-Key, if any (expired or not). */
  getGuard(keyHash: string): Promise<IdempotencyGuard | undefined>;
  /** The order (consistent read), if any. */
  getOrder(orderId: string): Promise<OrderView | undefined>;
  /** The order's event items, in no particular order. */
  listEvents(orderId: string): Promise<CloudEvent[]>;
}

/** Index of the guard's Put in createOrder's transaction (its cancellation reason says the key was used). */
const GUARD_ITEM = 2;
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The OrderStore on a DynamoDB table with the layout of lambdas/shared/keys.ts. */
export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getCatalog(skus: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const catalog = new Map<string, CatalogEntry>();
    let items: Record<string, unknown>[];
    try {
      items = await batchGetAll(
        this.db,
        this.tableName,
        skus.map((sku) => catalogKey(sku)),
        { consistentRead: true },
      );
    } catch (error) {
      throw new OrdersUnavailableError('reading the catalog failed', { cause: error });
    }
    for (const item of items) {
      const sku = typeof item.pk === 'string' ? skuOfCatalogPk(item.pk) : undefined;
      if (typeof item.price === 'number' && sku !== undefined)
        catalog.set(sku, { price: item.price, noShip: item.noShip === true });
    }
    return catalog;
  }

  async createOrder({ order, event, guard }: NewOrder): Promise<void> {
    const absent = 'attribute_not_exists(pk)';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...orderKey(order.orderId), kind: ItemKind.order, ...order },
                ConditionExpression: absent,
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: orderEventItem(event),
                ConditionExpression: absent,
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...idempotencyGuardKey(guard.keyHash),
                  kind: ItemKind.idempotencyGuard,
                  orderId: guard.orderId,
                  requestHash: guard.requestHash,
                  createdAt: order.createdAt,
                  expiresAt: guard.expiresAt,
                },
                // An expired guard may still be there (TTL deletes within days): it frees the key.
                ConditionExpression: `${absent} OR expiresAt < :now`,
                ExpressionAttributeValues: { ':now': epochSeconds(order.createdAt) },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error)?.[GUARD_ITEM] === 'ConditionalCheckFailed') {
        throw new IdempotencyGuardExistsError(
          'an order was created for this Idempotency-Key before',
          { cause: error },
        );
      }
      throw new OrdersUnavailableError('writing the order failed', { cause: error });
    }
  }

  async getGuard(keyHash: string): Promise<IdempotencyGuard | undefined> {
    const item = await this.get(
      idempotencyGuardKey(keyHash),
      'reading the idempotency guard failed',
    );
    if (!item) return undefined;
    return {
      keyHash,
      orderId: String(item.orderId),
      requestHash: String(item.requestHash),
      // Guards written before keys expired never expire.
      expiresAt: typeof item.expiresAt === 'number' ? item.expiresAt : Number.POSITIVE_INFINITY,
    };
  }

  async getOrder(orderId: string): Promise<OrderView | undefined> {
    const item = await this.get(orderKey(orderId), 'reading the order failed');
    if (!item) return undefined;
    return toOrderView(item);
  }

  async listEvents(orderId: string): Promise<CloudEvent[]> {
    const events: CloudEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': orderKey(orderId).pk,
              ':prefix': ORDER_EVENT_SK_PREFIX,
            },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const event = asCloudEvent(item.event);
          if (event) events.push(event);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw new OrdersUnavailableError('reading the events failed', { cause: error });
    }
    return events;
  }

  private async get(
    key: Record<string, string>,
    what: string,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      throw new OrdersUnavailableError(what, { cause: error });
    }
  }
}
