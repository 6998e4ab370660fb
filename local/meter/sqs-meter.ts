import type { UsageMeter } from './usage.js';

/** An SQS request as fauxqs answered it: the action, its parsed JSON body and the answer. */
export interface SqsExchange {
  readonly action: string;
  readonly body: unknown;
  readonly answer: unknown;
  readonly statusCode: number;
}

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
