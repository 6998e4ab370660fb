/**
 * A service's own queue of facts from the bus (subscribed with raw delivery: a message's body
 * is the CloudEvent, its attributes the event's `type` and `source`): the SQS handler every
 * event consumer shares. Each record is read as a CloudEvent of a type the service accepts,
 * handed to the service with its correlation keys on every log line, and on failure reported
 * as a batch item failure — after setting the message's next attempt by backoff when the
 * consumer retries that way. A message the service cannot read fails every attempt and ends in
 * the queue's DLQ; none is dropped.
 */
import {
  BatchProcessor,
  processPartialResponse,
  EventType as RecordType,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { backoffSeconds } from './backoff.js';
import { asCloudEvent, type CloudEvent, type EventType } from './events.js';
import { type Log, logger, recordLogger } from './powertools.js';
import type { RetryQueue } from './retry-queue.js';

/** One delivery of a fact, as the service's reaction sees it. */
export interface FactDelivery {
  log: Log;
  /** 1 on the first receive of the message. */
  attempt: number;
  /** The invocation (its remaining time bounds long work). */
  context: Context;
}

/** A service's consumer of its queue, of the event types `T` it accepts. */
export interface FactConsumer<T extends EventType> {
  /** The event types the service reacts to (what its subscription's filter lets in). */
  accepts: readonly T[];
  /** Reacts to one event; throws to have the message retried. Must be idempotent per event. */
  react(event: CloudEvent<T>, delivery: FactDelivery): Promise<void>;
  /** Delays a failed message's next attempt by backoff (else the queue's visibility timeout). */
  retry?: RetryQueue;
  /** Called (and awaited) after a failed attempt, before the failure is reported. */
  onFailure?(event: CloudEvent<T>, error: unknown, delivery: FactDelivery): Promise<void>;
}

/** A queue message that is not a CloudEvent of a type the consumer accepts. */
export class UnreadableFactError extends Error {
  override readonly name = 'UnreadableFactError';
}

/** The Lambda handler of a consumer's queue (reportBatchItemFailures on its event source). */
export function factQueueHandler<T extends EventType>(
  consumer: FactConsumer<T>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(RecordType.SQS);
  const accepted = new Set<EventType>(consumer.accepts);
  const isAccepted = (event: CloudEvent): event is CloudEvent<T> => accepted.has(event.type);

  async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
    const event = asCloudEvent(parseJson(record.body));
    if (!event || !isAccepted(event)) {
      logger.error('message is not an event this service takes; it will go to the DLQ', {
        messageId: record.messageId,
        eventType: event?.type,
      });
      throw new UnreadableFactError(
        `message ${record.messageId} is not one of ${consumer.accepts.join(', ')}`,
      );
    }
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    const delivery: FactDelivery = {
      log: recordLogger({ correlationId: event.correlationid, orderId: event.subject }),
      attempt,
      context,
    };
    try {
      await consumer.react(event, delivery);
    } catch (error) {
      const delay = backoffSeconds(attempt);
      delivery.log.warn(`${event.type}: attempt failed; retrying later`, {
        eventId: event.id,
        attempt,
        ...(consumer.retry ? { retryInSeconds: delay } : {}),
        error,
      });
      await Promise.all([
        consumer.retry?.retryIn(record.receiptHandle, delay, delivery.log),
        consumer.onFailure?.(event, error, delivery),
      ]);
      throw error;
    }
  }

  return async (event, context) => {
    logger.addContext(context);
    return processPartialResponse(
      event,
      (record: SQSRecord) => handleRecord(record, context),
      processor,
      {
        context,
        throwOnFullBatchFailure: false,
      },
    );
  };
}

/** True when a Lambda event is a batch from an SQS event source (not a direct invoke). */
export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    (records[0] as { eventSource?: unknown }).eventSource === 'aws:sqs'
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
