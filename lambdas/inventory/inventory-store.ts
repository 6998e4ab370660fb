/**
 * The inventory table: a port the use cases talk to, and its DynamoDB adapter, which turns
 * SDK exceptions into the domain errors of ./errors.ts.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderLine } from '../shared/commands.js';
import { cancellationCodes, isConditionFailure } from '../shared/dynamodb.js';
import type { CloudEvent } from '../shared/events.js';
import { ItemKind, reservationKey, stockKey } from '../shared/keys.js';
import { outboxEventPut, putEventOnce } from '../shared/outbox.js';
import { interpretReserveCancellation, type ReservationStatus } from './domain.js';
import {
  InventoryUnavailableError,
  OutOfStockError,
  ReservationChangedError,
  ReservationExistsError,
} from './errors.js';

/** An order's reservation as stored. */
export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: OrderLine[];
}

/** What the inventory use cases need from storage. */
export interface InventoryStore {
  /** Creates the order's reservation and takes every line's stock, all or nothing. */
  reserve(orderId: string, items: OrderLine[]): Promise<void>;
  /** The order's reservation (consistent read), if any. */
  getReservation(orderId: string): Promise<Reservation | undefined>;
  /**
   * Turns a RESERVED reservation into RELEASED and gives its stock back, in one transaction
   * (with the event that says so, when given); ReservationChangedError when it was not RESERVED.
   */
  releaseReserved(reservation: Reservation, event?: CloudEvent): Promise<void>;
  /** Records a RELEASED reservation with no stock, so a late reserve of this order is refused. */
  putReleasedTombstone(orderId: string): Promise<void>;
  /** Puts the event in the table's outbox, once per order and type; false when it was there. */
  recordEvent(event: CloudEvent): Promise<boolean>;
}

/** The InventoryStore on a DynamoDB table with the layout of lambdas/shared/keys.ts. */
export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(orderId: string, items: OrderLine[]): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...reservationKey(orderId),
                  kind: ItemKind.reservation,
                  orderId,
                  status: 'RESERVED',
                  items,
                  createdAt: now,
                  updatedAt: now,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...items.map((line) => ({
              Update: {
                TableName: this.tableName,
                Key: stockKey(line.sku),
                UpdateExpression:
                  'SET available = available - :qty, reserved = if_not_exists(reserved, :zero) + :qty, updatedAt = :now',
                ConditionExpression: 'available >= :qty',
                ExpressionAttributeValues: { ':qty': line.qty, ':zero': 0, ':now': now },
              },
            })),
          ],
        }),
      );
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw new InventoryUnavailableError('reserve failed', { cause: error });
      switch (interpretReserveCancellation(codes)) {
        case 'RESERVATION_EXISTS':
          throw new ReservationExistsError(`order ${orderId} already has a reservation`, {
            cause: error,
          });
        case 'OUT_OF_STOCK':
          throw new OutOfStockError(`not enough stock for order ${orderId}`, { cause: error });
        default:
          throw new InventoryUnavailableError('reserve was cancelled by a conflict', {
            cause: error,
          });
      }
    }
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: reservationKey(orderId),
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return {
        orderId,
        status: Item.status === 'RESERVED' ? 'RESERVED' : 'RELEASED',
        items: Array.isArray(Item.items) ? (Item.items as OrderLine[]) : [],
      };
    } catch (error) {
      throw new InventoryUnavailableError('reading the reservation failed', { cause: error });
    }
  }

  async releaseReserved(reservation: Reservation, event?: CloudEvent): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: reservationKey(reservation.orderId),
                UpdateExpression: 'SET #status = :released, updatedAt = :now',
                ConditionExpression: '#status = :reserved',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':released': 'RELEASED',
                  ':reserved': 'RESERVED',
                  ':now': now,
                },
              },
            },
            ...reservation.items.map((line) => ({
              Update: {
                TableName: this.tableName,
                Key: stockKey(line.sku),
                UpdateExpression:
                  'SET available = available + :qty, reserved = reserved - :qty, updatedAt = :now',
                ExpressionAttributeValues: { ':qty': line.qty, ':now': now },
              },
            })),
            ...(event
              ? [
                  {
                    Put: outboxEventPut(this.tableName, reservationKey(reservation.orderId), event),
                  },
                ]
              : []),
          ],
        }),
      );
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') {
        throw new ReservationChangedError('the reservation is no longer RESERVED', {
          cause: error,
        });
      }
      throw new InventoryUnavailableError('release failed', { cause: error });
    }
  }

  async putReleasedTombstone(orderId: string): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...reservationKey(orderId),
            kind: ItemKind.reservation,
            orderId,
            status: 'RELEASED',
            items: [],
            createdAt: now,
            updatedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ReservationChangedError('a reservation appeared meanwhile', { cause: error });
      }
      throw new InventoryUnavailableError('recording the release failed', { cause: error });
    }
  }

  async recordEvent(event: CloudEvent): Promise<boolean> {
    try {
      return await putEventOnce(this.db, this.tableName, reservationKey(event.subject), event);
    } catch (error) {
      throw new InventoryUnavailableError(`recording ${event.type} failed`, { cause: error });
    }
  }
}
