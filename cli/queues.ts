/**
 * The CLI's SQS adapter: look into the orders DLQ and redrive its messages to the orders
 * queue (body and message attributes unchanged: the worker deduplicates by event id, so a
 * message sent twice by an interrupted redrive does no harm).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CliError } from './errors.js';
import type { Target } from './target.js';

/** A dead-lettered message, as `dlq list` shows it. */
export interface DeadLetterView {
  messageId: string;
  eventType: string | null;
  eventId: string | null;
  correlationId: string | null;
  orderId: string | null;
  receiveCount: number;
}

/** Reads and redrives the orders DLQ of a target. */
export class DeadLetters {
  private readonly sqs: SQSClient;
  private readonly dlqUrl: string;
  private readonly queueUrl: string;

  constructor(target: Target) {
    const { OrdersDlqUrl, OrdersQueueUrl } = target.outputs;
    if (!OrdersDlqUrl || !OrdersQueueUrl) {
      throw new CliError('the target lacks the outputs OrdersQueueUrl and OrdersDlqUrl', 2);
    }
    this.dlqUrl = OrdersDlqUrl;
    this.queueUrl = OrdersQueueUrl;
    this.sqs = new SQSClient({
      region: target.region,
      ...(target.endpoints?.sqs ? { endpoint: target.endpoints.sqs } : {}),
      ...(target.credentials ? { credentials: target.credentials } : {}),
      maxAttempts: 3,
    });
  }

  /** How many messages the DLQ holds (approximately, as SQS counts), and up to 10 of them. */
  async peek(): Promise<{ approximateCount: number; messages: DeadLetterView[] }> {
    const attributes = await this.call('dlq list', () =>
      this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
    );
    // A zero visibility timeout leaves the messages visible for a redrive right after.
    const received = await this.call('dlq list', () =>
      this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.dlqUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      ),
    );
    return {
      // In flight counts too: a message being peeked or redriven is still in the DLQ.
      approximateCount:
        Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      messages: (received.Messages ?? []).map(describe),
    };
  }

  /** Moves up to `max` messages from the DLQ back to the orders queue; returns how many moved. */
  async redrive(max: number): Promise<number> {
    let moved = 0;
    while (moved < max) {
      const received = await this.call('dlq redrive', () =>
        this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.dlqUrl,
            MaxNumberOfMessages: Math.min(10, max - moved),
            VisibilityTimeout: 60,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        ),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      const sent = await this.call('dlq redrive', () =>
        this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: messages.map((m, i) => ({
              Id: String(i),
              MessageBody: m.Body ?? '',
              MessageAttributes: m.MessageAttributes,
            })),
          }),
        ),
      );
      const sentIds = new Set((sent.Successful ?? []).map((entry) => entry.Id));
      const toDelete = messages.flatMap((m, i) =>
        sentIds.has(String(i)) && m.ReceiptHandle
          ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }]
          : [],
      );
      if (toDelete.length > 0) {
        const deleted = await this.call('dlq redrive', () =>
          this.sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: this.dlqUrl, Entries: toDelete }),
          ),
        );
        moved += deleted.Successful?.length ?? 0;
      }
      const failed = sent.Failed ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new CliError(
          `dlq redrive: moved ${moved}, then ${failed.length} could not be sent (${first?.Code}: ${first?.Message ?? ''}); they stay in the DLQ`,
        );
      }
    }
    return moved;
  }

  /** Releases the SDK's sockets. */
  close(): void {
    this.sqs.destroy();
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw new CliError(`${what}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`, 1, {
        cause: error,
      });
    }
  }
}

function describe(message: Message): DeadLetterView {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? null;
  let orderId: string | null = null;
  try {
    const body = JSON.parse(message.Body ?? '') as { subject?: unknown };
    if (typeof body.subject === 'string') orderId = body.subject;
  } catch {
    // Not a CloudEvent: shown without its order.
  }
  return {
    messageId: message.MessageId ?? '',
    eventType: attribute('eventType'),
    eventId: attribute('eventId'),
    correlationId: attribute('correlationId'),
    orderId,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
  };
}
