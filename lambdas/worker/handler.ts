/**
 * worker λ, the order service's consumer of the orders queue (subscribed to the events topic
 * for order.placed.v1 and for the facts of ./order-facts.ts): an order.placed.v1 runs the
 * order saga; another service's fact goes on the order's timeline. A repeated delivery is
 * harmless without a record of its own (the saga's writes and the participants are idempotent
 * per order, see ./saga.ts; a fact is recorded once per order); a record that failed is a
 * batch item failure whose next attempt is delayed by exponential backoff with jitter.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { isLastAttempt } from '../shared/backoff.js';
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { type CloudEvent, ORDER_FACTS } from '../shared/events.js';
import { type FactDelivery, factQueueHandler, UnreadableFactError } from '../shared/fact-queue.js';
import { RetryQueue } from '../shared/retry-queue.js';
import { withoutSdkLogger } from '../shared/sdk-clients.js';
import { parsePlacedOrder } from './domain.js';
import { LambdaParticipants } from './lambda-participants.js';
import { OrderFacts } from './order-facts.js';
import { DynamoOrderFactStore } from './order-facts-store.js';
import { DynamoSagaOrderStore } from './order-store.js';
import { OrderSaga, type SagaInput } from './saga.js';

const config = {
  ordersTable: requireEnv(ENV.ordersTable),
  queueUrl: requireEnv(ENV.ordersQueueUrl),
  inventoryFunction: requireEnv(ENV.inventoryFunction),
  paymentFunction: requireEnv(ENV.paymentFunction),
  maxReceiveCount: requireNumberEnv(ENV.maxReceiveCount, 1, 1000),
  invokeTimeoutMs: requireNumberEnv(ENV.invokeTimeoutMs, 100, 900_000),
};

// cacheMiddleware: each command's middleware stack is resolved once, not on every call (none
// of this code changes a stack per command); it saves about a fifth of an SDK call's CPU. The
// request timeout bounds each Invoke (how long the worker waits for a participant) and fails it
// with a TimeoutError; a per-call abortSignal would turn the middleware cache off.
const lambda = withoutSdkLogger(
  new LambdaClient({
    requestHandler: { requestTimeout: config.invokeTimeoutMs, throwOnRequestTimeout: true },
    maxAttempts: 1,
    cacheMiddleware: true,
  }),
);
const db = newDocumentClient();
const orders = new DynamoSagaOrderStore(db, config.ordersTable);
const saga = new OrderSaga(
  new LambdaParticipants(lambda, {
    inventory: config.inventoryFunction,
    payment: config.paymentFunction,
  }),
  orders,
);
const retryQueue = RetryQueue.on(config.queueUrl);
const facts = new OrderFacts(new DynamoOrderFactStore(db, config.ordersTable));

/** Time kept back from the deadline of compensations: the final writes and the retry's bookkeeping. */
const DEADLINE_MARGIN_MS = 2_000;

/** One delivery of an order.placed.v1 event: the saga of its order. */
async function runSaga(event: CloudEvent, { log, attempt, context }: FactDelivery): Promise<void> {
  const order = parsePlacedOrder(event.data);
  if (!order)
    throw new UnreadableFactError(`event ${event.id}: order.placed.v1 data is unreadable`);
  const input: SagaInput = {
    order,
    correlationId: event.correlationid,
    sagaId: event.sagaid,
    lastAttempt: isLastAttempt(attempt, config.maxReceiveCount),
    firstReceive: attempt === 1,
    // A compensation may retry while one more invoke still fits in the function's time.
    deadlineMs:
      Date.now() + context.getRemainingTimeInMillis() - config.invokeTimeoutMs - DEADLINE_MARGIN_MS,
  };
  const outcome = await saga.run(input, log);
  log.info(`saga done: ${outcome.result}`, { eventId: event.id, attempt, outcome });
}

/** "Name: message" of an error and of the cause that explains it (an invoke's function error). */
function describeError(error: unknown): string {
  const text = (e: unknown) =>
    e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'string' ? e : 'unknown error';
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? text(error) : `${text(error)} (${text(cause)})`;
}

export const handler = factQueueHandler({
  accepts: ['order.placed.v1', ...ORDER_FACTS],
  react: (event, delivery) =>
    event.type === 'order.placed.v1' ? runSaga(event, delivery) : facts.record(event, delivery.log),
  retry: retryQueue,
  // What `mini-ec dlq list` and the chaos report show of an order that keeps failing.
  onFailure: (event, error, { log }) =>
    event.type !== 'order.placed.v1'
      ? Promise.resolve()
      : orders
          .recordFailedAttempt(event.subject, describeError(error))
          .catch((cause: unknown) =>
            log.warn('could not record the failed attempt on the order', { error: cause }),
          ),
});
