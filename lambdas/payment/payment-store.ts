/**
 * The payments table: a port the use cases talk to, and its DynamoDB adapter, which turns
 * SDK exceptions into the domain errors of ./errors.ts.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, IF_ABSENT, isConditionFailure } from '../shared/dynamodb.js';
import type { CloudEvent } from '../shared/events.js';
import { ItemKind, paymentKey } from '../shared/keys.js';
import { outboxEventPut, putEventOnce } from '../shared/outbox.js';
import type { PaymentStatus } from './domain.js';
import { PaymentChangedError, PaymentExistsError, PaymentsUnavailableError } from './errors.js';

/** An order's payment as stored. */
export interface Payment {
  orderId: string;
  paymentId: string | undefined;
  status: PaymentStatus;
}

/** What the payment use cases need from storage. */
export interface PaymentStore {
  /** Records the order's one charge; PaymentExistsError when the order has a payment item already. */
  putCharge(charge: {
    orderId: string;
    paymentId: string;
    amount: number;
    currency: string;
  }): Promise<void>;
  /** The order's payment (consistent read), if any. */
  getPayment(orderId: string): Promise<Payment | undefined>;
  /** CHARGED → REFUNDED; PaymentChangedError when it was not CHARGED. */
  markRefunded(orderId: string): Promise<void>;
  /** CHARGED → REFUNDED and the event that says so, in one transaction; PaymentChangedError when it was not CHARGED. */
  refundWithEvent(orderId: string, event: CloudEvent): Promise<void>;
  /** Records a VOIDED payment (no money moved), so a late charge is refused. */
  putVoidedTombstone(orderId: string): Promise<void>;
  /** Puts the event in the table's outbox, once per order and type; false when it was there. */
  recordEvent(event: CloudEvent): Promise<boolean>;
}

/** The PaymentStore on a DynamoDB table with the layout of lambdas/shared/keys.ts. */
export class DynamoPaymentStore implements PaymentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putCharge(charge: {
    orderId: string;
    paymentId: string;
    amount: number;
    currency: string;
  }): Promise<void> {
    const now = new Date().toISOString();
    await this.putNew({ ...charge, status: 'CHARGED', createdAt: now, updatedAt: now });
  }

  async getPayment(orderId: string): Promise<Payment | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: paymentKey(orderId),
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      const status: PaymentStatus =
        Item.status === 'CHARGED' || Item.status === 'REFUNDED' ? Item.status : 'VOIDED';
      return {
        orderId,
        paymentId: typeof Item.paymentId === 'string' ? Item.paymentId : undefined,
        status,
      };
    } catch (error) {
      throw new PaymentsUnavailableError('reading the payment failed', { cause: error });
    }
  }

  async markRefunded(orderId: string): Promise<void> {
    try {
      await this.db.send(new UpdateCommand(this.refundUpdate(orderId)));
    } catch (error) {
      if (isConditionFailure(error))
        throw new PaymentChangedError('the payment is no longer CHARGED', { cause: error });
      throw new PaymentsUnavailableError('refund failed', { cause: error });
    }
  }

  async refundWithEvent(orderId: string, event: CloudEvent): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: this.refundUpdate(orderId) },
            { Put: outboxEventPut(this.tableName, paymentKey(orderId), event) },
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed')
        throw new PaymentChangedError('the payment is no longer CHARGED', { cause: error });
      throw new PaymentsUnavailableError('refund failed', { cause: error });
    }
  }

  /** The update CHARGED → REFUNDED of an order's payment. */
  private refundUpdate(orderId: string) {
    return {
      TableName: this.tableName,
      Key: paymentKey(orderId),
      UpdateExpression: 'SET #status = :refunded, updatedAt = :now, refundedAt = :now',
      ConditionExpression: '#status = :charged',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':refunded': 'REFUNDED',
        ':charged': 'CHARGED',
        ':now': new Date().toISOString(),
      },
    };
  }

  async putVoidedTombstone(orderId: string): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.putNew({ orderId, status: 'VOIDED', createdAt: now, updatedAt: now });
    } catch (error) {
      if (error instanceof PaymentExistsError)
        throw new PaymentChangedError('a payment appeared meanwhile', { cause: error });
      throw error;
    }
  }

  async recordEvent(event: CloudEvent): Promise<boolean> {
    try {
      return await putEventOnce(this.db, this.tableName, paymentKey(event.subject), event);
    } catch (error) {
      throw new PaymentsUnavailableError(`recording ${event.type} failed`, { cause: error });
    }
  }

  private async putNew(item: { orderId: string } & Record<string, unknown>): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...paymentKey(item.orderId), kind: ItemKind.payment, ...item },
          ConditionExpression: IF_ABSENT,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new PaymentExistsError(`order ${item.orderId} has a payment`, { cause: error });
      throw new PaymentsUnavailableError('writing the payment failed', { cause: error });
    }
  }
}
