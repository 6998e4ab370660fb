/**
 * worker λ: the orders queue (subscribed to the events topic for order.placed.v1) → the order saga.
 * A repeated delivery of an event is harmless without a record of its own (the saga's writes
 * and the participants are idempotent per order; see ./saga.ts); a record that failed is a
 * batch item failure whose next attempt is delayed by exponential backoff with jitter.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { asCloudEvent } from '../shared/events.js';
import { logger, recordLogger } from '../shared/powertools.js';
import { withoutSdkLogger } from '../shared/sdk-clients.js';
import { backoffSeconds, isLastAttempt, parsePlacedOrder } from './domain.js';
import { LambdaParticipants } from './lambda-participants.js';
import { DynamoSagaOrderStore } from './order-store.js';
import { RetryQueue } from './retry-queue.js';
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
// of this code changes a stack per command); it saves about a fifth of an SDK call's CPU.
const lambda = withoutSdkLogger(
  new LambdaClient({
    requestHandler: { requestTimeout: config.invokeTimeoutMs },
    maxAttempts: 1,
    cacheMiddleware: true,
  }),
);
const orders = new DynamoSagaOrderStore(newDocumentClient(), config.ordersTable);
const saga = new OrderSaga(
  new LambdaParticipants(
    lambda,
    { inventory: config.inventoryFunction, payment: config.paymentFunction },
    config.invokeTimeoutMs,
  ),
  orders,
);
// The endpoint is the one the environment resolves, never the queue URL's host.
const retryQueue = new RetryQueue(
  withoutSdkLogger(new SQSClient({ useQueueUrlAsEndpoint: false, cacheMiddleware: true })),
  config.queueUrl,
);
const processor = new BatchProcessor(EventType.SQS);

/** An orders-queue message that is not an order.placed.v1 event the saga can read. */
class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** Time kept back from the deadline of compensations: the final writes and the retry's bookkeeping. */
const DEADLINE_MARGIN_MS = 2_000;
async function handleRecord(record: SQSRecord, invocation?: Context): Promise<void> {
  const event = asCloudEvent(safeJson(record.body));
  const order = event?.type === 'order.placed.v1' ? parsePlacedOrder(event.data) : undefined;
  if (!event || !order) {
    logger.error('message is not an order.placed.v1 event; it will go to the DLQ', {
      messageId: record.messageId,
    });
    throw new MalformedEventError(`message ${record.messageId} is not an order.placed.v1 event`);
  }
  const log = recordLogger({ correlationId: event.correlationid, orderId: order.orderId });
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  const input: SagaInput = {
    order,
    correlationId: event.correlationid,
    sagaId: event.sagaid,
    lastAttempt: isLastAttempt(attempt, config.maxReceiveCount),
    firstReceive: attempt === 1,
    // A compensation may retry while one more invoke still fits in the function's time.
    ...(invocation
      ? {
          deadlineMs:
            Date.now() +
            invocation.getRemainingTimeInMillis() -
            config.invokeTimeoutMs -
            DEADLINE_MARGIN_MS,
        }
      : {}),
  };
  try {
    const outcome = await saga.run(input, log);
    log.info(`saga done: ${outcome.result}`, { eventId: event.id, attempt, outcome });
  } catch (error) {
    const delay = backoffSeconds(attempt);
    log.warn('saga attempt failed; retrying later', {
      eventId: event.id,
      attempt,
      retryInSeconds: delay,
      error,
    });
    await Promise.all([
      retryQueue.retryIn(record.receiptHandle, delay, log),
      orders
        .recordFailedAttempt(order.orderId, describeError(error))
        .catch((cause: unknown) =>
          log.warn('could not record the failed attempt on the order', { error: cause }),
        ),
    ]);
    throw error;
  }
}

/** "Name: message" of an error and of the cause that explains it (an invoke's function error). */
function describeError(error: unknown): string {
  const text = (e: unknown) =>
    e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'string' ? e : 'unknown error';
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? text(error) : `${text(error)} (${text(cause)})`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, handleRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
};
