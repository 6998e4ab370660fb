/**
 * The API's use cases: place an order once per Idempotency-Key (price it, write order +
 * outbox event + the key's guard at once) and read an order and its timeline.
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

/** One POST /orders, validated. */
export interface PlaceOrderInput {
  idempotencyKey: string;
  request: NormalizedRequest;
  correlationId: string;
}

/** The answer to an Idempotency-Key: always the first one it got. */
export interface PlaceOrderResult {
  orderId: string;
  status: 'PENDING';
  correlationId: string;
  /** True when this answer replays the one an earlier request with the key got. */
  replayed: boolean;
}

/** How long an Idempotency-Key binds its order (the IETF draft lets the server choose). */
const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 60 * 60;

/**
 * Places orders: prices from the catalog, then one transaction for order, event and the
 * Idempotency-Key's guard. The guard is the whole idempotency record: a second request with
 * the key (at the same time or later) loses the transaction's condition and answers from the
 * guard, so the key makes exactly one order and every request with it the same answer.
 */
export class PlaceOrder {
  constructor(
    private readonly store: OrderStore,
    private readonly currency: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Creates the PENDING order, or answers the order an earlier request with the same key created. */
  async execute(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const keyHash = sha256(input.idempotencyKey);
    const hash = requestHash(input.request);
    const catalog = await this.store.getCatalog(input.request.items.map((line) => line.sku));
    let priced: ReturnType<typeof priceOrder>;
    try {
      priced = priceOrder(input.request, catalog);
    } catch (error) {
      // A replay answers what the key got first, even if the catalog changed since.
      const replay = await this.answerFromGuard(keyHash, hash, error as Error);
      if (replay) return replay;
      throw error;
    }
    const { items, total, noShip } = priced;
    const now = this.clock();
    const orderId = newOrderId(now.getTime());
    const at = now.toISOString();
    const guard = {
      keyHash,
      orderId,
      requestHash: hash,
      expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_KEY_TTL_SECONDS,
    };
    const event = buildEvent({
      type: 'order.placed.v1',
      source: EVENT_SOURCES.api,
      orderId,
      correlationId: input.correlationId,
      sagaId: orderId,
      time: now,
      data: {
        orderId,
        items: toOrderLines(items),
        total,
        currency: this.currency,
        ...(noShip.length > 0 ? { noShip } : {}),
      },
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
      return { orderId, status: 'PENDING', correlationId: input.correlationId, replayed: false };
    } catch (error) {
      if (!(error instanceof IdempotencyGuardExistsError)) throw error;
      const replay = await this.answerFromGuard(keyHash, hash, error);
      if (!replay)
        throw new OrdersUnavailableError('the idempotency guard vanished', { cause: error });
      return replay;
    }
  }

  /**
   * The answer of the key's live guard: a replay of its order for the same request, 422 for
   * another; undefined when the key has no live guard.
   */
  private async answerFromGuard(
    keyHash: string,
    hash: string,
    cause: Error,
  ): Promise<PlaceOrderResult | undefined> {
    const guard = await this.store.getGuard(keyHash);
    if (!guard || guard.expiresAt < Math.floor(this.clock().getTime() / 1000)) return undefined;
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
      replayed: true,
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
