/**
 * The CLI's HTTP adapter: the orders API of docs/openapi.yaml. A problem answer
 * (`application/problem+json`) becomes one CLI error line: `<code> (<status>): <detail>`.
 */
import { CliError } from './errors.js';

/** An order line to place. */
export interface OrderLineInput {
  sku: string;
  qty: number;
}

/** The 202 answer of POST /orders, with what its headers said. */
export interface PlacedOrder {
  orderId: string;
  status: string;
  correlationId: string;
  location: string | null;
  replayed: boolean;
}

/** GET /orders/{id}, as the API returns it. */
export interface OrderView {
  orderId: string;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
  total: number;
  currency: string;
  items: { sku: string; qty: number; price: number }[];
  reason?: string;
  /** The shipping service's word on a confirmed order, once the order service heard it. */
  shipment?: { status: 'REQUESTED' | 'FAILED'; reason?: string };
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

/** One CloudEvent of GET /orders/{id}/events (the fields the CLI shows; docs/asyncapi.yaml has all). */
export interface OrderEvent {
  id: string;
  type: string;
  source: string;
  time: string;
  correlationid: string;
  data: Record<string, unknown>;
}

/** Client of the orders API at `baseUrl`. */
export class OrdersApi {
  constructor(
    private readonly baseUrl: string,
    private readonly requestTimeoutMs = 10_000,
  ) {}

  /** POST /orders with an Idempotency-Key and an optional correlation ID. */
  async placeOrder(
    items: OrderLineInput[],
    idempotencyKey: string,
    correlationId?: string,
  ): Promise<PlacedOrder> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    };
    if (correlationId !== undefined) headers['x-correlation-id'] = correlationId;
    const response = await this.fetch('/orders', {
      method: 'POST',
      headers,
      body: JSON.stringify({ items }),
    });
    const body = await this.json<PlacedOrder>(response, 202);
    return {
      orderId: body.orderId,
      status: body.status,
      correlationId: body.correlationId,
      location: response.headers.get('location'),
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  }

  /** GET /orders/{id}. */
  async getOrder(orderId: string): Promise<OrderView> {
    const response = await this.fetch(`/orders/${encodeURIComponent(orderId)}`, { method: 'GET' });
    return this.json<OrderView>(response, 200);
  }

  /** GET /orders/{id}/events: the order's CloudEvents in the order they happened. */
  async getEvents(orderId: string): Promise<OrderEvent[]> {
    const response = await this.fetch(`/orders/${encodeURIComponent(orderId)}/events`, {
      method: 'GET',
    });
    return (await this.json<{ events: OrderEvent[] }>(response, 200)).events;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const why =
        cause?.code === 'ECONNREFUSED'
          ? 'connection refused (is the local cloud still running?)'
          : (error as Error).name === 'TimeoutError'
            ? `no answer within ${this.requestTimeoutMs} ms`
            : (error as Error).message;
      throw new CliError(`${init.method} ${url}: ${why}`, 1, { cause: error });
    }
  }

  private async json<T>(response: Response, expected: number): Promise<T> {
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status === expected && typeof body === 'object' && body !== null) return body as T;
    const problem = (body ?? {}) as { code?: unknown; detail?: unknown; message?: unknown };
    const code = typeof problem.code === 'string' ? problem.code : `HTTP ${response.status}`;
    const detail =
      typeof problem.detail === 'string'
        ? problem.detail
        : typeof problem.message === 'string'
          ? problem.message
          : text.slice(0, 200) || response.statusText;
    throw new CliError(`${code} (${response.status}): ${detail}`);
  }
}
