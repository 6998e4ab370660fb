/**
 * The CLI's DynamoDB adapter: the catalog (orders table), the stock (inventory table) and the
 * payments (payments table), with the key layout of lambdas/shared/keys.ts. SDK errors are
 * turned into one-line CLI errors here.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { cancellationCodes } from '../lambdas/shared/dynamodb.js';
import { newUlid } from '../lambdas/shared/ids.js';
import {
  catalogKey,
  ItemKind,
  paymentKey,
  stockKey,
  stockLedgerKey,
} from '../lambdas/shared/keys.js';
import { documentClient } from './clients.js';
import { CliError, callAws } from './errors.js';
import type { Target } from './target.js';

/** A sku as the catalog and the inventory know it. */
export interface StockView {
  sku: string;
  /** Catalog unit price (minor units); null when the sku has no catalog entry. */
  price: number | null;
  available: number;
  reserved: number;
  /** Total stock put in over time (the ledger's sum). */
  stockedIn: number;
  /** False when the catalog marks the sku as not shippable (its orders are cancelled). */
  ships: boolean;
}

/** What `stock set` may say of the sku besides its price and stock. */
export interface StockOptions {
  /** The sku cannot ship: the catalog item carries `noShip: true` (absent: it ships). */
  noShip?: boolean;
}

/** A payment of an order, as `payments list` shows it. */
export interface PaymentView {
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string | null;
  status: 'CHARGED' | 'REFUNDED';
  updatedAt: string | null;
}

const PAYMENT_STATUSES = new Set(['CHARGED', 'REFUNDED']);
/** How often `stock set` reads and writes again when the saga changed the stock meanwhile. */
const SET_STOCK_ATTEMPTS = 20;

/** Reads and writes the tables of a target. */
export class Stores {
  private readonly db: DynamoDBDocumentClient;

  constructor(private readonly target: Target) {
    this.db = documentClient(target);
  }

  /**
   * Sets a sku's catalog price and its stock on hand in one transaction; a reservation
   * already held (`reserved`) is kept. The change of stock put in is appended to the sku's
   * ledger and added to its `stockedIn` in the same transaction, so `verify` can check that
   * stockedIn = available + reserved. The write is conditioned on the `available` it read
   * (the saga changes it concurrently) and retried on a conflict. The catalog item is
   * replaced whole: without `noShip` the sku ships again.
   */
  async setStock(
    sku: string,
    available: number,
    price: number,
    options: StockOptions = {},
  ): Promise<StockView> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.call('stock set', () =>
        this.db.send(
          new GetCommand({
            TableName: this.target.outputs.InventoryTableName,
            Key: stockKey(sku),
            ConsistentRead: true,
          }),
        ),
      );
      const old = before.Item ? numberOr(before.Item.available, 0) : undefined;
      try {
        await this.db.send(this.setStockTransaction(sku, { available, price, ...options }, old));
        break;
      } catch (error) {
        // A reserve or release committed between our read and write (ConditionalCheckFailed),
        // or was in flight on the same item (TransactionConflict): read again and retry.
        const codes = cancellationCodes(error);
        const conflict =
          codes?.includes('ConditionalCheckFailed') || codes?.includes('TransactionConflict');
        if (!conflict || attempt >= SET_STOCK_ATTEMPTS) {
          const reason = conflict
            ? 'the stock kept changing; try again'
            : describeSdkError(error, this.target);
          throw new CliError(`stock set: ${reason}`, 1, { cause: error });
        }
        // Jittered so that a busy saga and this retry do not meet at the same instant again.
        await sleep(Math.random() * 10 * attempt);
      }
    }
    const stock = await this.getStock(sku);
    if (!stock) throw new CliError(`stock set ${sku}: written, but not found when read back`);
    return stock;
  }

  private setStockTransaction(
    sku: string,
    { available, price, noShip }: { available: number; price: number } & StockOptions,
    old: number | undefined,
  ): TransactWriteCommand {
    const now = new Date().toISOString();
    const delta = available - (old ?? 0);
    return new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.target.outputs.OrdersTableName,
            Item: {
              ...catalogKey(sku),
              kind: ItemKind.catalog,
              sku,
              price,
              ...(noShip ? { noShip: true } : {}),
              updatedAt: now,
            },
          },
        },
        {
          Update: {
            TableName: this.target.outputs.InventoryTableName,
            Key: stockKey(sku),
            UpdateExpression:
              'SET kind = :kind, sku = :sku, available = :available, updatedAt = :now, reserved = if_not_exists(reserved, :zero), stockedIn = if_not_exists(stockedIn, :zero) + :delta',
            ConditionExpression:
              old === undefined ? 'attribute_not_exists(pk)' : 'available = :old',
            ExpressionAttributeValues: {
              ':kind': ItemKind.stock,
              ':sku': sku,
              ':available': available,
              ':now': now,
              ':zero': 0,
              ':delta': delta,
              ...(old === undefined ? {} : { ':old': old }),
            },
          },
        },
        {
          Put: {
            TableName: this.target.outputs.InventoryTableName,
            Item: {
              ...stockLedgerKey(sku, newUlid()),
              kind: ItemKind.stockLedger,
              sku,
              delta,
              available,
              reason: 'stock set',
              at: now,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
  }

  /** The catalog price and stock of a sku; undefined when neither exists. */
  async getStock(sku: string): Promise<StockView | undefined> {
    const [catalog, stock] = await Promise.all([
      this.call('stock get', () =>
        this.db.send(
          new GetCommand({
            TableName: this.target.outputs.OrdersTableName,
            Key: catalogKey(sku),
            ConsistentRead: true,
          }),
        ),
      ),
      this.call('stock get', () =>
        this.db.send(
          new GetCommand({
            TableName: this.target.outputs.InventoryTableName,
            Key: stockKey(sku),
            ConsistentRead: true,
          }),
        ),
      ),
    ]);
    if (!catalog.Item && !stock.Item) return undefined;
    return {
      sku,
      price: numberOr(catalog.Item?.price, null),
      available: numberOr(stock.Item?.available, 0),
      reserved: numberOr(stock.Item?.reserved, 0),
      stockedIn: numberOr(stock.Item?.stockedIn, 0),
      ships: catalog.Item?.noShip !== true,
    };
  }

  /**
   * The payments of an order: items that are CHARGED or REFUNDED. Other items under the key
   * (a VOIDED tombstone that blocks a late charge, …) record no money moved: skipped.
   */
  async listPayments(orderId: string): Promise<PaymentView[]> {
    const { pk } = paymentKey(orderId);
    const result = await this.call('payments list', () =>
      this.db.send(
        new QueryCommand({
          TableName: this.target.outputs.PaymentsTableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Items ?? [])
      .filter((item) => PAYMENT_STATUSES.has(String(item.status)))
      .map((item) => ({
        paymentId: String(item.paymentId ?? item.id ?? ''),
        orderId: String(item.orderId ?? orderId),
        amount: numberOr(item.amount, 0),
        currency: typeof item.currency === 'string' ? item.currency : null,
        status: item.status as PaymentView['status'],
        updatedAt: typeof item.updatedAt === 'string' ? item.updatedAt : null,
      }));
  }

  /** Releases the SDK's sockets. */
  close(): void {
    this.db.destroy();
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return callAws(what, send, (error) => describeSdkError(error, this.target));
  }
}

function describeSdkError(error: unknown, target: Target): string {
  const e = error as { name?: string; message?: string; code?: string };
  if (
    e.code === 'ECONNREFUSED' ||
    e.name === 'TimeoutError' ||
    /ECONNREFUSED/.test(String(e.message))
  ) {
    return `cannot reach DynamoDB at ${target.endpoints?.dynamodb ?? `the ${target.region} endpoint`} (is the local cloud still running?)`;
  }
  if (e.name === 'ResourceNotFoundException') {
    return `a table of the target does not exist (${e.message ?? e.name})`;
  }
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' ? value : fallback;
}
