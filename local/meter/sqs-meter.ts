import type { UsageMeter } from './usage.js';

/** An SQS request as fauxqs answered it: the action, its parsed JSON body and the answer. */
export interface SqsExchange {
  readonly action: string;
  readonly body: unknown;
  readonly answer: unknown;
  readonly statusCode: number;
}

/**
 * An SNS request as fauxqs answered it: the action, the topic's name, each published message's
 * bytes (message and attributes) and the queues each was delivered to.
 */
export interface SnsExchange {
  readonly action: string;
  readonly topic?: string;
  readonly messages: readonly { readonly bytes: number; readonly deliveredTo: readonly string[] }[];
  readonly statusCode: number;
}

/** SNS bills a publish by its payload's 64 KB chunks (a PublishBatch's payload is all its entries). */
const SNS_BILLING_CHUNK_BYTES = 64 * 1024;

/**
 * Counts one SNS exchange: the request, its billed publish requests, and each delivery to a
 * subscribed queue as an SQS message sent to it (SQS counts what SNS sends; SNS does not
 * charge for deliveries to SQS).
 */
export function meterSnsExchange(meter: UsageMeter, exchange: SnsExchange): void {
  const failed = exchange.statusCode >= 400;
  const published = failed ? [] : exchange.messages;
  const bytes = published.reduce((n, m) => n + m.bytes, 0);
  const billed = Math.max(1, Math.ceil(bytes / SNS_BILLING_CHUNK_BYTES));
  meter.snsRequest(exchange.action, exchange.topic, failed, {
    published: published.length,
    billedRequests: billed,
  });
  for (const message of published)
    for (const queue of message.deliveredTo)
      meter.sqsRequest(SNS_DELIVERY, queue, false, { sent: 1 });
}

/** How an SNS delivery to a queue shows among the SQS requests. */
export const SNS_DELIVERY = 'SendMessage (SNS delivery)';

interface SqsBody {
  QueueUrl?: string;
  Entries?: unknown[];
}

function queueName(url: string | undefined): string | undefined {
  return url ? url.slice(url.lastIndexOf('/') + 1) : undefined;
}

/** Counts one SQS exchange: the action, its queue, and the messages it sent, received or deleted. */
export function meterSqsExchange(meter: UsageMeter, exchange: SqsExchange): void {
  const body = (exchange.body ?? {}) as SqsBody;
  const failed = exchange.statusCode >= 400;
  const answer = (exchange.answer ?? {}) as { Messages?: unknown[]; Successful?: unknown[] };
  const succeeded = failed ? 0 : (answer.Successful?.length ?? 0);
  const moved: { sent?: number; received?: number; deleted?: number } = {};
  switch (exchange.action) {
    case 'SendMessage':
      moved.sent = failed ? 0 : 1;
      break;
    case 'SendMessageBatch':
      moved.sent = succeeded;
      break;
    case 'ReceiveMessage':
      moved.received = failed ? 0 : (answer.Messages?.length ?? 0);
      break;
    case 'DeleteMessage':
      moved.deleted = failed ? 0 : 1;
      break;
    case 'DeleteMessageBatch':
      moved.deleted = succeeded;
      break;
  }
  meter.sqsRequest(exchange.action, queueName(body.QueueUrl), failed, moved);
}
