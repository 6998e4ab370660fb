/**
 * The shipments table: a port the use case talks to, and its DynamoDB adapter. A shipment and
 * its event (the outbox: the table's stream → the relay → the bus) are written in one
 * transaction, each only if absent, so an order gets one shipment and one event whatever the
 * number of deliveries.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, IF_ABSENT } from '../shared/dynamodb.js';
import type { CloudEvent } from '../shared/events.js';
import { ItemKind, shipmentKey } from '../shared/keys.js';
import { outboxEventPut } from '../shared/outbox.js';
import { ShipmentsUnavailableError } from './errors.js';

/** An order's shipment, requested or failed for good. */
export interface Shipment {
  orderId: string;
  shipmentId: string;
  status: 'REQUESTED' | 'FAILED';
  items: { sku: string; qty: number }[];
  reason?: string;
  /** The id of the order.confirmed.v1 event that started it. */
  causationId: string;
}

/** What the shipping use case needs from storage. */
export interface ShipmentStore {
  /**
   * Writes the shipment and its event together; false (and nothing written) when the order
   * has a shipment already.
   */
  create(shipment: Shipment, event: CloudEvent): Promise<boolean>;
}

/** The ShipmentStore on a DynamoDB table with the layout of lambdas/shared/keys.ts. */
export class DynamoShipmentStore implements ShipmentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(shipment: Shipment, event: CloudEvent): Promise<boolean> {
    const key = shipmentKey(shipment.orderId);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...key, kind: ItemKind.shipment, ...shipment, createdAt: event.time },
                ConditionExpression: IF_ABSENT,
              },
            },
            { Put: outboxEventPut(this.tableName, key, event) },
          ],
        }),
      );
      return true;
    } catch (error) {
      const [shipmentCode] = cancellationCodes(error) ?? [];
      if (shipmentCode === 'ConditionalCheckFailed') return false;
      throw new ShipmentsUnavailableError('writing the shipment failed', { cause: error });
    }
  }
}
