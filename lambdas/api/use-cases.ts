/**
 * The API's use cases: place an order (price it, write order + outbox event + guard at once)
 * and read an order and its timeline.
 */
import { buildEvent, type CloudEvent, compareEvents, EVENT_SOURCES } from '../shared/events.js';
import { newOrderId } from '../shared/ids.js';
import {
  type NormalizedRequest,
  type OrderView,
  priceOrder,
  requestHash,
  sha256,
  toOrderLines,
} from './domain.js';
import {
  IdempotencyGuardExistsError,
  IdempotencyKeyReusedError,
  OrderNotFoundError,
  OrdersUnavailableError,
} from './errors.js';
import type { OrderStore } from './order-store.js';

/** One POST /orders, validated. `attemptId` is unique per HTTP request (it detects replays). */
export interface PlaceOrderInput {
  idempotencyKey: string;
  request: NormalizedRequest;
  correlationId: string;
  attemptId: string;
}

/** The first answer to an Idempotency-Key; stored by Powertools and replayed as is. */
export interface PlaceOrderResult {
  orderId: string;
  status: 'PENDING';
  correlationId: string;
  /** The attempt that created the order; differs from the current attempt on a replay. */
  attemptId: string;
}

/** Places orders: prices from the catalog, then one transaction for order, event and guard. */
export class PlaceOrder {
  constructor(
    private readonly store: OrderStore,
    private readonly currency: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Creates the PENDING order, or answers the order an earlier request with the same key created. */
  async execute(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const catalog = await this.store.getPrices(input.request.items.map((line) => line.sku));
    const { items, total } = priceOrder(input.request, catalog);
    const now = this.clock();
    const orderId = newOrderId(now.getTime());
    const at = now.toISOString();
    const guard = {
      keyHash: sha256(input.idempotencyKey),
      orderId,
      requestHash: requestHash(input.request),
    };
    const event = buildEvent({
      type: 'order.placed.v1',
      source: EVENT_SOURCES.api,
      orderId,
      correlationId: input.correlationId,
      sagaId: orderId,
      time: now,
      data: { orderId, items: toOrderLines(items), total, currency: this.currency },
    });
    const order = {
      orderId,
      status: 'PENDING' as const,
      total,
      currency: this.currency,
      items,
      correlationId: input.correlationId,
      sagaId: orderId,
      createdAt: at,
      updatedAt: at,
    };
    try {
      await this.store.createOrder({ order, event, guard });
      return {
        orderId,
        status: 'PENDING',
        correlationId: input.correlationId,
        attemptId: input.attemptId,
      };
    } catch (error) {
      if (!(error instanceof IdempotencyGuardExistsError)) throw error;
      return this.answerFromGuard(guard.keyHash, guard.requestHash, error);
    }
  }

  /**
   * The key was used before, but Powertools had no completed record of it (the first request
   * crashed after committing, or its record expired): the guard says which order it made.
   */
  private async answerFromGuard(
    keyHash: string,
    hash: string,
    cause: Error,
  ): Promise<PlaceOrderResult> {
    const guard = await this.store.getGuard(keyHash);
    if (!guard) throw new OrdersUnavailableError('the idempotency guard vanished', { cause });
    if (guard.requestHash !== hash) {
      throw new IdempotencyKeyReusedError(
        'This Idempotency-Key was used with another request body.',
        { cause },
      );
    }
    const order = await this.store.getOrder(guard.orderId);
    if (!order)
      throw new OrdersUnavailableError(`the guarded order ${guard.orderId} is missing`, { cause });
    return {
      orderId: order.orderId,
      status: 'PENDING',
      correlationId: order.correlationId,
      attemptId: `guard:${keyHash}`,
    };
  }
}

/** Reads orders and their timelines. */
export class ReadOrders {
  constructor(private readonly store: OrderStore) {}

  /** The order as it is now; OrderNotFoundError when there is none. */
  async getOrder(orderId: string): Promise<OrderView> {
    const order = await this.store.getOrder(orderId);
    if (!order) throw new OrderNotFoundError(`No order ${orderId}.`);
    return order;
  }

  /** The order's events in the order they happened; OrderNotFoundError when there is no order. */
  async getEvents(orderId: string): Promise<CloudEvent[]> {
    const [order, events] = await Promise.all([
      this.store.getOrder(orderId),
      this.store.listEvents(orderId),
    ]);
    if (!order) throw new OrderNotFoundError(`No order ${orderId}.`);
    return events.sort(compareEvents);
  }
}
