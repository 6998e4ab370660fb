/**
 * How an outbox event travels as an SQS message, free of I/O: the message of an event (body =
 * the CloudEvent, attributes = its type, id and correlation ID), batches SendMessageBatch
 * accepts, and their entries. The relay sends them; `mini-ec dlq redrive` sends the same.
 */
import type { CloudEvent } from './events.js';

/** SendMessageBatch takes at most 10 entries… */
const MAX_BATCH_ENTRIES = 10;
/** …and at most 1 MiB in all (the SQS message size limit since 2025). */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** Any SQS message with string attributes: what batching needs to know of it. */
export interface SizedMessage {
  body: string;
  attributes: Readonly<Record<string, string>>;
}

/** A message for the orders queue. */
export interface QueueMessage {
  body: string;
  attributes: { eventType: string; eventId: string; correlationId: string };
}

/** The queue message of an event. */
export function toQueueMessage(event: CloudEvent): QueueMessage {
  return {
    body: JSON.stringify(event),
    attributes: { eventType: event.type, eventId: event.id, correlationId: event.correlationid },
  };
}

/** Bytes SQS counts for a message: body plus attribute names, types and values. */
function messageBytes(message: SizedMessage): number {
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

/** The SendMessageBatch entries of a batch: ids m0, m1, … in order, string attributes. */
export function batchEntries(messages: readonly SizedMessage[]) {
  return messages.map((message, i) => ({
    Id: `m${i}`,
    MessageBody: message.body,
    MessageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    ),
  }));
}
