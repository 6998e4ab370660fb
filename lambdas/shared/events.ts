/**
 * CloudEvents 1.0 (structured JSON mode) envelopes of the saga's facts. Documented per type in
 * docs/asyncapi.yaml; `data` carries ids and amounts only (no personal data).
 */
import { randomUUID } from 'node:crypto';
import type { OrderLine } from './commands.js';
import { ItemKind, orderEventKey } from './keys.js';

/** Every event type, in the order they happen in a saga (also the tie-break order of a timeline). */
export const EVENT_TYPES = [
  'order.placed.v1',
  'inventory.reserved.v1',
  'payment.charged.v1',
  'payment.refunded.v1',
  'inventory.released.v1',
  'order.confirmed.v1',
  'order.failed.v1',
  'shipping.requested.v1',
  'shipping.failed.v1',
  'order.cancelled.v1',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The facts of other services the order service takes from its queue besides order.placed.v1:
 * it keeps them on the order's timeline and cancels an order whose shipment failed once both
 * compensations are there (lambdas/worker/order-facts.ts; the stack's subscription filter).
 */
export const ORDER_FACTS = [
  'shipping.requested.v1',
  'shipping.failed.v1',
  'payment.refunded.v1',
  'inventory.released.v1',
] as const satisfies readonly EventType[];

/**
 * The producers (CloudEvents `source`, a URI-reference). The worker records the saga's steps
 * it orchestrates; shipping, payment and inventory record the facts they decide on their own
 * (choreography: a shipment, and the compensations of a shipment that failed).
 */
export const EVENT_SOURCES = {
  api: 'mini-ec/api',
  worker: 'mini-ec/worker',
  shipping: 'mini-ec/shipping',
  payment: 'mini-ec/payment',
  inventory: 'mini-ec/inventory',
} as const;
export type EventSource = (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES];

/** The `data` of each event type. */
export interface EventData {
  /** `noShip`: the lines' skus the catalog marks as not shippable (only when there are some). */
  'order.placed.v1': {
    orderId: string;
    items: OrderLine[];
    total: number;
    currency: string;
    noShip?: string[];
  };
  'inventory.reserved.v1': { orderId: string };
  'payment.charged.v1': { orderId: string; paymentId: string; amount: number; currency: string };
  'payment.refunded.v1': { orderId: string; paymentId?: string };
  'inventory.released.v1': { orderId: string };
  /** `items` and `noShip` (the skus that cannot ship) are what the shipping service needs. */
  'order.confirmed.v1': {
    orderId: string;
    total: number;
    currency: string;
    items: OrderLine[];
    noShip: string[];
  };
  'order.failed.v1': { orderId: string; reason: string };
  'shipping.requested.v1': { orderId: string; shipmentId: string; items: OrderLine[] };
  'shipping.failed.v1': { orderId: string; reason: ShippingFailure; skus?: string[] };
  'order.cancelled.v1': { orderId: string; reason: 'SHIPPING_FAILED' };
}

/**
 * Why a shipment failed for good: a sku that cannot ship, or transient failures on every
 * attempt the shipping queue allows (GAVE_UP, as the worker gives up an order).
 */
export type ShippingFailure = 'SKU_CANNOT_SHIP' | 'GAVE_UP';

/** A mini-ec CloudEvent of type `T`. */
export interface CloudEvent<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  correlationid: string;
  sagaid: string;
  data: EventData[T];
}

/** What a producer knows when it records a fact. */
export interface EventFacts<T extends EventType> {
  type: T;
  source: string;
  orderId: string;
  correlationId: string;
  /** The saga instance; one per order. */
  sagaId: string;
  data: EventData[T];
  time?: Date;
  id?: string;
}

/** Builds the CloudEvent of a fact: a fresh id, subject = the order, correlation extensions. */
export function buildEvent<T extends EventType>(facts: EventFacts<T>): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: facts.id ?? randomUUID(),
    source: facts.source,
    type: facts.type,
    subject: facts.orderId,
    time: (facts.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    correlationid: facts.correlationId,
    sagaid: facts.sagaId,
    data: facts.data,
  };
}

/** True when `value` is one of the event types. */
function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Order of a timeline: by time, then by the saga's fixed order of types (same-millisecond ties). */
export function compareEvents(a: CloudEvent, b: CloudEvent): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return EVENT_TYPES.indexOf(a.type) - EVENT_TYPES.indexOf(b.type);
}

/**
 * Reads an unknown value as a CloudEvent envelope (shape of the envelope only; `data` is
 * checked by its consumer). Returns undefined when it is not one.
 */
export function asCloudEvent(value: unknown): CloudEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const strings = ['id', 'source', 'subject', 'time', 'correlationid', 'sagaid'] as const;
  if (e.specversion !== '1.0' || !isEventType(e.type)) return undefined;
  if (!strings.every((k) => typeof e[k] === 'string' && (e[k] as string).length > 0))
    return undefined;
  if (typeof e.data !== 'object' || e.data === null) return undefined;
  return value as CloudEvent;
}

/**
 * The orders table's item of an event: the order's timeline entry and, through the table's
 * stream, the outbox record the relay sends on (it reads `event`). Its key makes each event
 * type happen once per order. The api and the worker write events only through this.
 */
export function orderEventItem(event: CloudEvent): Record<string, unknown> {
  return outboxEventItem(orderEventKey(event.subject, event.type), event);
}

/**
 * The outbox item of an event in any service's table (`kind` EVENT: the stack's stream filter
 * lets exactly these through to the relay), under the key the service gives it.
 */
export function outboxEventItem(
  key: { pk: string; sk: string },
  event: CloudEvent,
): Record<string, unknown> {
  return {
    ...key,
    kind: ItemKind.event,
    orderId: event.subject,
    type: event.type,
    time: event.time,
    correlationId: event.correlationid,
    event,
  };
}

/**
 * The orders table's copy of another service's fact about an order (`kind` FACT: on the
 * order's timeline, never relayed again). Same key as an event of the type: once per order.
 */
export function orderFactItem(event: CloudEvent): Record<string, unknown> {
  return {
    ...outboxEventItem(orderEventKey(event.subject, event.type), event),
    kind: ItemKind.fact,
  };
}
