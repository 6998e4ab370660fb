/**
 * api λ: POST /orders, GET /orders/{id}, GET /orders/{id}/events behind an HTTP API (v2) or a
 * REST API (v1): Powertools' Router reads both, and nothing here depends on the version.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  MethodNotAllowedError,
  NotFoundError,
  Router,
} from '@aws-lambda-powertools/event-handler/http';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { isOrderId } from '../shared/ids.js';
import { LOG_KEYS } from '../shared/log-keys.js';
import { logger, withCorrelation } from '../shared/powertools.js';
import {
  parseJsonBody,
  resolveCorrelationId,
  validateIdempotencyKey,
  validatePlaceOrder,
} from './domain.js';
import { OrderNotFoundError } from './errors.js';
import { DynamoOrderStore } from './order-store.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problems.js';
import { PlaceOrder, ReadOrders } from './use-cases.js';

const config = {
  ordersTable: requireEnv(ENV.ordersTable),
  currency: requireEnv(ENV.currency),
};
const store = new DynamoOrderStore(newDocumentClient(), config.ordersTable);
const placeOrder = new PlaceOrder(store, config.currency);
const readOrders = new ReadOrders(store);

/** The correlation ID of the request being handled. */
const requestScope = new AsyncLocalStorage<{ correlationId: string }>();
const correlationId = (): string => requestScope.getStore()?.correlationId ?? 'unknown';
const KNOWN_PATH = /^\/orders(\/[^/]+(\/events)?)?$/;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      'x-correlation-id': correlationId(),
      ...headers,
    },
  });
}

const router = new Router({ logger });

router.post('/orders', async ({ req }) => {
  const idempotencyKey = validateIdempotencyKey(req.headers.get('idempotency-key') ?? undefined);
  const request = validatePlaceOrder(parseJsonBody(await req.text()));
  const { replayed, ...result } = await placeOrder.execute({
    idempotencyKey,
    request,
    correlationId: correlationId(),
  });
  logger.appendKeys({ [LOG_KEYS.orderId]: result.orderId });
  logger.info(replayed ? 'order replayed for its Idempotency-Key' : 'order accepted');
  return json(
    202,
    { orderId: result.orderId, status: result.status, correlationId: result.correlationId },
    {
      location: `/orders/${result.orderId}`,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
  );
});

router.get('/orders/:id', async ({ params }) => {
  const orderId = orderIdParam(params.id);
  return json(200, await readOrders.getOrder(orderId));
});

router.get('/orders/:id/events', async ({ params }) => {
  const orderId = orderIdParam(params.id);
  return json(200, { events: await readOrders.getEvents(orderId) });
});

function orderIdParam(id: string | undefined): string {
  if (id === undefined || !isOrderId(id)) throw new OrderNotFoundError(`No order ${id ?? ''}.`);
  logger.appendKeys({ [LOG_KEYS.orderId]: id });
  return id;
}

router.errorHandler(Error, async (error, { req }) => {
  let failure: Error = error;
  if (error instanceof NotFoundError && KNOWN_PATH.test(new URL(req.url).pathname)) {
    failure = new MethodNotAllowedError(`${req.method} is not allowed here.`);
  }
  const problem = toProblem(failure);
  if (problem.status >= 500) logger.error('request failed', { error: failure });
  else logger.info(`request rejected: ${problem.code}`, { status: problem.status });
  return new Response(JSON.stringify({ ...problem, correlationId: correlationId() }), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'x-correlation-id': correlationId() },
  });
});

/** The header's value in an API Gateway v1 or v2 event (names compared case-insensitively). */
function headerOf(event: unknown, name: string): string | undefined {
  const headers = (event as { headers?: Record<string, string | undefined> | null }).headers ?? {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const id = resolveCorrelationId(headerOf(event, 'x-correlation-id'), randomUUID);
  return withCorrelation({ correlationId: id }, () =>
    requestScope.run({ correlationId: id }, async () => {
      try {
        return await router.resolve(event, context);
      } catch (error) {
        // The Router failed before any route ran (e.g. a header no Web Request can hold):
        // answer in the shape both API Gateway versions accept.
        return unroutableAnswer(event, error);
      }
    }),
  );
};

function unroutableAnswer(event: unknown, error: unknown) {
  let failure = error;
  try {
    const key = headerOf(event, 'idempotency-key');
    if (key !== undefined) validateIdempotencyKey(key);
  } catch (keyError) {
    failure = keyError;
  }
  const problem = toProblem(failure);
  logger.warn(`request could not be routed: ${problem.code}`, { error });
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'x-correlation-id': correlationId() },
    body: JSON.stringify({ ...problem, correlationId: correlationId() }),
  };
}
