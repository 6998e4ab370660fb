/**
 * How an outbox event travels on the bus and its queues, free of I/O: the message of an event
 * (body = the CloudEvent, attributes = its `type`, `source`, `id` and `correlationid`, named as
 * the CloudEvent's own attributes; subscriptions filter on `type` and `source`, and raw delivery hands them to
 * each queue as SQS message attributes), batches that SNS PublishBatch and SQS
 * SendMessageBatch accept, and their entries. The relay publishes them; `mini-ec dlq redrive`
 * publishes and sends the same.
 */
import type { CloudEvent } from './events.js';

/** The message attribute that subscriptions' filter policies select events by. */
export const EVENT_TYPE_ATTRIBUTE = 'type';
/** The attribute a filter also selects by where a type has more than one producer. */
export const EVENT_SOURCE_ATTRIBUTE = 'source';

/** PublishBatch and SendMessageBatch take at most 10 entries… */
const MAX_BATCH_ENTRIES = 10;
/**
 * …and at most 256 KiB in all: SNS's limit for a message and a batch (SQS takes 1 MiB since
 * 2025, but what the bus cannot carry no queue gets).
 */
export const MAX_BATCH_BYTES = 256 * 1024;

/** Any SQS message with string attributes: what batching needs to know of it. */
export interface SizedMessage {
  body: string;
  attributes: Readonly<Record<string, string>>;
}

/** The message of an event, on the bus and in the queues. */
export interface QueueMessage {
  body: string;
  attributes: {
    [EVENT_TYPE_ATTRIBUTE]: string;
    [EVENT_SOURCE_ATTRIBUTE]: string;
    id: string;
    correlationid: string;
  };
}

/** The message of an event. */
export function toQueueMessage(event: CloudEvent): QueueMessage {
  return {
    body: JSON.stringify(event),
    attributes: {
      type: event.type,
      source: event.source,
      id: event.id,
      correlationid: event.correlationid,
    },
  };
}

/**
 * Bytes SNS and SQS count for a message: body plus attribute names, types and values (every
 * data type's name, String, Number or Binary, is 6 bytes).
 */
export function messageBytes(message: SizedMessage): number {
  let bytes = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8');
  }
  return bytes;
}

/**
 * Splits messages into batches of at most 10 entries and 1 MiB; a message too large on its own
 * gets a batch of its own, so its failure cannot take others down with it.
 */
export function toBatches<T extends SizedMessage>(messages: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (
      current.length > 0 &&
      (current.length >= MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** String message attributes as SNS and SQS take them. */
function stringAttributes(attributes: Readonly<Record<string, string>>) {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );
}

/** The SendMessageBatch entries of a batch: ids m0, m1, … in order, string attributes. */
export function batchEntries(messages: readonly SizedMessage[]) {
  return messages.map((message, i) => ({
    Id: `m${i}`,
    MessageBody: message.body,
    MessageAttributes: stringAttributes(message.attributes),
  }));
}

/** The PublishBatch entries of a batch: ids m0, m1, … in order, string attributes. */
export function publishEntries(messages: readonly SizedMessage[]) {
  return messages.map((message, i) => ({
    Id: `m${i}`,
    Message: message.body,
    MessageAttributes: stringAttributes(message.attributes),
  }));
}
