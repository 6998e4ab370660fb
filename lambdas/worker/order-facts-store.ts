/**
 * The orders table as the order service's choreography uses it (DynamoDB adapter of
 * OrderFactStore): other services' facts are FACT items on the order's timeline (the stream
 * filter relays only EVENT items, so a fact is never published twice), each written once.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, cancellationCodes, IF_ABSENT } from '../shared/dynamodb.js';
import {
  type CloudEvent,
  type EventType,
  orderEventItem,
  orderFactItem,
} from '../shared/events.js';
import { ItemKind, orderEventKey, orderKey } from '../shared/keys.js';
import { OrderStoreUnavailableError } from './errors.js';
import type { OrderFactStore, ShipmentState } from './order-facts.js';

/** The OrderFactStore on a DynamoDB table with the layout of lambdas/shared/keys.ts. */
export class DynamoOrderFactStore implements OrderFactStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordFact(event: CloudEvent, shipment?: ShipmentState): Promise<boolean> {
    const put = {
      Put: {
        TableName: this.tableName,
        Item: orderFactItem(event),
        ConditionExpression: IF_ABSENT,
      },
    };
    const update = shipment && {
      Update: {
        TableName: this.tableName,
        Key: orderKey(event.subject),
        UpdateExpression: 'SET shipment = :shipment, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':shipment': shipment, ':now': new Date().toISOString() },
      },
    };
    try {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: update ? [put, update] : [put] }),
      );
      return true;
    } catch (error) {
      const [factCode] = cancellationCodes(error) ?? [];
      if (factCode === 'ConditionalCheckFailed') return false;
      throw new OrderStoreUnavailableError(`recording ${event.type} failed`, { cause: error });
    }
  }

  async hasFacts(orderId: string, types: readonly EventType[]): Promise<boolean> {
    try {
      const items = await batchGetAll(
        this.db,
        this.tableName,
        types.map((type) => orderEventKey(orderId, type)),
        { consistentRead: true },
      );
      // Facts only: the saga's own refund and release of a FAILED order share these keys.
      return items.filter((item) => item.kind === ItemKind.fact).length === types.length;
    } catch (error) {
      throw new OrderStoreUnavailableError('reading the order timeline failed', { cause: error });
    }
  }

  async cancel(orderId: string, event: CloudEvent<'order.cancelled.v1'>): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: orderKey(orderId),
                UpdateExpression: 'SET #status = :cancelled, reason = :reason, updatedAt = :now',
                // Only a confirmed order whose shipment failed is cancelled.
                ConditionExpression: '#status = :confirmed AND shipment.#status = :failed',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':cancelled': 'CANCELLED',
                  ':confirmed': 'CONFIRMED',
                  ':failed': 'FAILED',
                  ':reason': event.data.reason,
                  ':now': event.time,
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: orderEventItem(event),
                ConditionExpression: IF_ABSENT,
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const codes = cancellationCodes(error) ?? [];
      if (codes.includes('ConditionalCheckFailed')) return false;
      throw new OrderStoreUnavailableError('cancelling the order failed', { cause: error });
    }
  }
}
