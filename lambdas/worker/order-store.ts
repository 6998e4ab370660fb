/**
 * The orders table as the saga uses it (DynamoDB adapter of SagaOrderStore): every status
 * change is one transaction with its event item; step events are written once per type.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isConditionFailure } from '../shared/dynamodb.js';
import type { CloudEvent } from '../shared/events.js';
import { ItemKind, orderEventKey, orderKey } from '../shared/keys.js';
import { OrderStoreUnavailableError } from './errors.js';
import type { FinalState, SagaOrder, SagaOrderStore } from './ports.js';

/** The SagaOrderStore on a DynamoDB table with the layout of lambdas/shared/keys.ts. */
export class DynamoSagaOrderStore implements SagaOrderStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getOrder(orderId: string): Promise<SagaOrder | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: orderKey(orderId), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      return {
        orderId,
        status: Item.status as SagaOrder['status'],
        total: Number(Item.total),
        currency: String(Item.currency),
      };
    } catch (error) {
      throw new OrderStoreUnavailableError('reading the order failed', { cause: error });
    }
  }

  async recordFailedAttempt(orderId: string, error: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(orderId),
          UpdateExpression:
            'SET failedAttempts = if_not_exists(failedAttempts, :zero) + :one, lastError = :error, lastErrorAt = :now',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':error': error.slice(0, 1000),
            ':now': new Date().toISOString(),
            ':pending': 'PENDING',
          },
        }),
      );
    } catch (cause) {
      if (isConditionFailure(cause)) return; // finished meanwhile: nothing to count
      throw new OrderStoreUnavailableError('recording the failed attempt failed', { cause });
    }
  }

  async recordStep(event: CloudEvent): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: eventItem(event),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return; // recorded by an earlier attempt: once per type
      throw new OrderStoreUnavailableError(`recording ${event.type} failed`, { cause: error });
    }
  }

  async finish(orderId: string, state: FinalState): Promise<boolean> {
    const reason = state.status === 'FAILED' ? state.reason : undefined;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: orderKey(orderId),
                UpdateExpression: `SET #status = :status, updatedAt = :now${reason ? ', reason = :reason' : ''}`,
                ConditionExpression: '#status = :pending',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':status': state.status,
                  ':pending': 'PENDING',
                  ':now': state.event.time,
                  ...(reason ? { ':reason': reason } : {}),
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: eventItem(state.event),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellationCodes(error)?.includes('ConditionalCheckFailed')) return false;
      throw new OrderStoreUnavailableError(`moving the order to ${state.status} failed`, {
        cause: error,
      });
    }
  }
}

function eventItem(event: CloudEvent): Record<string, unknown> {
  return {
    ...orderEventKey(event.subject, event.type),
    kind: ItemKind.event,
    orderId: event.subject,
    type: event.type,
    time: event.time,
    correlationId: event.correlationid,
    event,
  };
}
