/**
 * The orders table as the saga uses it (DynamoDB adapter of SagaOrderStore): the final status
 * change is one transaction with its event item and its steps' event items; each event type is
 * written once per order, whoever writes it first.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isConditionFailure } from '../shared/dynamodb.js';
import { type CloudEvent, orderEventItem } from '../shared/events.js';
import { orderKey } from '../shared/keys.js';
import { type FailPlan, parseFailPlan } from './domain.js';
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
      const failing = parseFailPlan(Item.failing);
      return {
        orderId,
        status: Item.status as SagaOrder['status'],
        total: Number(Item.total),
        currency: String(Item.currency),
        ...(failing ? { failing } : {}),
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

  async startFailing(
    orderId: string,
    plan: FailPlan,
  ): Promise<{ plan: FailPlan } | { status: string }> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(orderId),
          UpdateExpression: 'SET failing = if_not_exists(failing, :plan)',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':plan': plan, ':pending': 'PENDING' },
          ReturnValues: 'ALL_NEW',
          // When the order is no longer PENDING, the failed condition says what it is instead.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const held = parseFailPlan(Attributes?.failing);
      if (!held)
        throw new Error(
          `the order's failing plan is unreadable: ${JSON.stringify(Attributes?.failing)}`,
        );
      return { plan: held };
    } catch (error) {
      if (isConditionFailure(error)) {
        // The exception carries the item as DynamoDB sent it (not unmarshalled).
        const item = (error as { Item?: { status?: { S?: string } } }).Item;
        return { status: item?.status?.S ?? 'MISSING' }; // finished meanwhile
      }
      throw new OrderStoreUnavailableError('marking the order failing failed', { cause: error });
    }
  }

  async recordSteps(steps: CloudEvent[]): Promise<void> {
    await Promise.all(
      steps.map(async (event) => {
        try {
          await this.db.send(new PutCommand(this.putNewEvent(event)));
        } catch (error) {
          if (isConditionFailure(error)) return; // recorded by an earlier delivery: once per type
          throw new OrderStoreUnavailableError(`recording ${event.type} failed`, { cause: error });
        }
      }),
    );
  }

  async finish(orderId: string, state: FinalState): Promise<boolean> {
    const reason = state.status === 'FAILED' ? state.reason : undefined;
    const update = {
      Update: {
        TableName: this.tableName,
        Key: orderKey(orderId),
        UpdateExpression: `SET #status = :status, updatedAt = :now${reason ? ', reason = :reason' : ''} REMOVE failing`,
        // A failing order can only end FAILED.
        ConditionExpression:
          state.status === 'CONFIRMED'
            ? '#status = :pending AND attribute_not_exists(failing)'
            : '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': state.status,
          ':pending': 'PENDING',
          ':now': state.event.time,
          ...(reason ? { ':reason': reason } : {}),
        },
      },
    };
    let events = [...state.steps, state.event];
    // Each round either commits, or learns that the order is finished, or drops at least one
    // event an earlier delivery recorded already (its type is in the timeline once).
    for (;;) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [update, ...events.map((event) => ({ Put: this.putNewEvent(event) }))],
          }),
        );
        return true;
      } catch (error) {
        const codes = cancellationCodes(error);
        const [orderCode, ...eventCodes] = codes ?? [];
        if (orderCode === 'ConditionalCheckFailed') return false;
        const fresh = events.filter((_, i) => eventCodes[i] !== 'ConditionalCheckFailed');
        if (!codes || fresh.length === events.length) {
          throw new OrderStoreUnavailableError(`moving the order to ${state.status} failed`, {
            cause: error,
          });
        }
        events = fresh;
      }
    }
  }

  /** The Put of an event item that is not there yet. */
  private putNewEvent(event: CloudEvent) {
    return {
      TableName: this.tableName,
      Item: orderEventItem(event),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }
}
