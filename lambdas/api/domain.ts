/**
 * Rules of the orders API, free of I/O: reading and validating a request, the Idempotency-Key
 * and correlation ID headers, pricing from the catalog, and the read models.
 */
import { createHash } from 'node:crypto';
import { ORDER_LINE_LIMITS, type OrderLine } from '../shared/commands.js';
import { CORRELATION_ID_PATTERN } from '../shared/log-keys.js';
import {
  BodyTooLargeError,
  type FieldError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  MalformedJsonError,
  PriceMismatchError,
  UnknownSkuError,
  ValidationFailedError,
} from './errors.js';

export const MAX_BODY_BYTES = 16 * 1024;
const { maxItems: MAX_ITEMS, maxQty: MAX_QTY, sku: SKU } = ORDER_LINE_LIMITS;
const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,255}$/;
/** Keys that could reach an object's prototype if the parsed body were ever merged somewhere. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A line as the client asked for it; `price` only when the client stated one. */
interface RequestedLine {
  sku: string;
  qty: number;
  price?: number;
}

/** A line priced from the catalog. */
export interface PricedLine {
  sku: string;
  qty: number;
  price: number;
}

/** The request in one canonical form (lines sorted by sku): equal requests hash the same. */
export interface NormalizedRequest {
  items: RequestedLine[];
}

/** Parses a request body as JSON, refusing bodies over the limit and prototype-polluting keys. */
export function parseJsonBody(text: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new BodyTooLargeError(`The body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  const forbidden: string[] = [];
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) {
        forbidden.push(key);
        return undefined;
      }
      return v;
    });
  } catch (error) {
    throw new MalformedJsonError('The body is not valid JSON.', { cause: error });
  }
  if (forbidden.length > 0) {
    throw new ValidationFailedError(
      forbidden.map((key) => ({ pointer: '', detail: `property ${key} is not allowed` })),
    );
  }
  return value;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a POST /orders body; every problem found is listed with its JSON Pointer. */
export function validatePlaceOrder(body: unknown): NormalizedRequest {
  const errors: FieldError[] = [];
  if (!isPlainObject(body))
    throw new ValidationFailedError([{ pointer: '', detail: 'must be an object' }]);
  for (const key of Object.keys(body)) {
    if (key !== 'items')
      errors.push({ pointer: `/${escapePointer(key)}`, detail: 'is not allowed' });
  }
  const items = body.items;
  if (items === undefined) errors.push({ pointer: '/items', detail: 'is required' });
  else if (!Array.isArray(items)) errors.push({ pointer: '/items', detail: 'must be an array' });
  else if (items.length < 1)
    errors.push({ pointer: '/items', detail: 'must have at least 1 item' });
  else if (items.length > MAX_ITEMS)
    errors.push({ pointer: '/items', detail: `must have at most ${MAX_ITEMS} items` });
  const lines: RequestedLine[] = [];
  if (Array.isArray(items) && items.length <= MAX_ITEMS) {
    const firstIndexOfSku = new Map<string, number>();
    items.forEach((item: unknown, i) => {
      const at = `/items/${i}`;
      if (!isPlainObject(item)) {
        errors.push({ pointer: at, detail: 'must be an object' });
        return;
      }
      for (const key of Object.keys(item)) {
        if (key !== 'sku' && key !== 'qty' && key !== 'price') {
          errors.push({ pointer: `${at}/${escapePointer(key)}`, detail: 'is not allowed' });
        }
      }
      const { sku, qty, price } = item;
      let ok = true;
      if (typeof sku !== 'string' || !SKU.test(sku)) {
        errors.push({
          pointer: `${at}/sku`,
          detail: 'must be 1-64 characters of A-Z a-z 0-9 . _ -',
        });
        ok = false;
      } else if (firstIndexOfSku.has(sku)) {
        errors.push({
          pointer: `${at}/sku`,
          detail: `duplicates /items/${firstIndexOfSku.get(sku)}/sku`,
        });
        ok = false;
      } else {
        firstIndexOfSku.set(sku, i);
      }
      if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
        errors.push({ pointer: `${at}/qty`, detail: `must be an integer from 1 to ${MAX_QTY}` });
        ok = false;
      }
      if (
        price !== undefined &&
        (typeof price !== 'number' || !Number.isSafeInteger(price) || price < 0)
      ) {
        errors.push({ pointer: `${at}/price`, detail: 'must be a non-negative integer' });
        ok = false;
      }
      if (ok)
        lines.push({
          sku: sku as string,
          qty: qty as number,
          ...(price === undefined ? {} : { price: price as number }),
        });
    });
  }
  if (errors.length > 0) throw new ValidationFailedError(errors);
  return { items: [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)) };
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Checks the Idempotency-Key header (IETF httpapi draft: required on POST /orders). */
export function validateIdempotencyKey(header: string | undefined): string {
  if (header === undefined || header === '') {
    throw new IdempotencyKeyMissingError('POST /orders requires an Idempotency-Key header.');
  }
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new IdempotencyKeyInvalidError(
      'The Idempotency-Key must be 1 to 255 printable ASCII characters.',
    );
  }
  return header;
}

/** The client's X-Correlation-Id when it is a sane token, otherwise a generated one. */
export function resolveCorrelationId(header: string | undefined, generate: () => string): string {
  return header !== undefined && CORRELATION_ID_PATTERN.test(header) ? header : generate();
}

/** A sku's catalog entry: its unit price, and whether it can ship (`mini-ec stock set … --no-ship`). */
export interface CatalogEntry {
  price: number;
  noShip: boolean;
}

/**
 * Prices the request from the catalog (the client's price is only checked) and names the skus
 * the catalog marks as not shippable (what order.placed.v1 carries on for shipping).
 */
export function priceOrder(
  request: NormalizedRequest,
  catalog: ReadonlyMap<string, CatalogEntry>,
): { items: PricedLine[]; total: number; noShip: string[] } {
  const unknown = request.items.filter((line) => !catalog.has(line.sku)).map((line) => line.sku);
  if (unknown.length > 0) throw new UnknownSkuError(unknown);
  const priceOf = (sku: string) => (catalog.get(sku) as CatalogEntry).price;
  const items = request.items.map((line) => ({
    sku: line.sku,
    qty: line.qty,
    price: priceOf(line.sku),
  }));
  const mismatches = request.items
    .filter((line) => line.price !== undefined && line.price !== priceOf(line.sku))
    .map((line) => ({ sku: line.sku, stated: line.price as number, catalog: priceOf(line.sku) }));
  if (mismatches.length > 0) throw new PriceMismatchError(mismatches);
  return {
    items,
    total: items.reduce((sum, line) => sum + line.qty * line.price, 0),
    noShip: items.filter((line) => catalog.get(line.sku)?.noShip).map((line) => line.sku),
  };
}

/** The lines of an order without prices (what events and commands carry). */
export const toOrderLines = (items: readonly PricedLine[]): OrderLine[] =>
  items.map(({ sku, qty }) => ({ sku, qty }));

/** sha256 (hex) of a string: how keys and request bodies are stored, never in clear. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The hash that tells two requests under one Idempotency-Key apart. */
export const requestHash = (request: NormalizedRequest): string => sha256(JSON.stringify(request));

/** An order as stored and as GET /orders/{id} shows it. */
export interface OrderView {
  orderId: string;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
  total: number;
  currency: string;
  items: PricedLine[];
  reason?: string;
  /** The shipping service's word on a confirmed order, once the order service has heard it. */
  shipment?: { status: 'REQUESTED' | 'FAILED'; reason?: string };
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

/** The public view of a stored order item (storage attributes dropped). */
export function toOrderView(item: Record<string, unknown>): OrderView {
  const items = Array.isArray(item.items) ? (item.items as Record<string, unknown>[]) : [];
  return {
    orderId: String(item.orderId),
    status: item.status as OrderView['status'],
    total: Number(item.total),
    currency: String(item.currency),
    items: items.map((line) => ({
      sku: String(line.sku),
      qty: Number(line.qty),
      price: Number(line.price),
    })),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    ...shipmentOf(item.shipment),
    correlationId: String(item.correlationId),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
}

function shipmentOf(value: unknown): Pick<OrderView, 'shipment'> {
  if (typeof value !== 'object' || value === null) return {};
  const { status, reason } = value as Record<string, unknown>;
  if (status !== 'REQUESTED' && status !== 'FAILED') return {};
  return { shipment: { status, ...(typeof reason === 'string' ? { reason } : {}) } };
}
