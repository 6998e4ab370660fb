/**
 * Sending queue messages: a port, its SQS adapter (SendMessageBatch, every `Failed` entry
 * checked), and a batcher that lets record-by-record processing still send in batches.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { batchEntries, type QueueMessage, toBatches } from '../shared/queue-messages.js';
import { SendFailedError } from './errors.js';

/** The outcome of one message of a batch: sent, or the error that refused it. */
export type SendOutcome = { ok: true; messageId: string } | { ok: false; error: SendFailedError };

/** Sends batches of messages to the orders queue. */
export interface MessagePublisher {
  /** Sends ≤10 messages in one call; one outcome per message, in order. Never throws. */
  sendBatch(messages: readonly QueueMessage[]): Promise<SendOutcome[]>;
}

/** The MessagePublisher on SQS SendMessageBatch. */
export class SqsMessagePublisher implements MessagePublisher {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async sendBatch(messages: readonly QueueMessage[]): Promise<SendOutcome[]> {
    const entries = batchEntries(messages);
    const ids = entries.map((entry) => entry.Id);
    try {
      const result = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      const sent = new Map(
        (result.Successful ?? []).map((entry) => [entry.Id, entry.MessageId ?? '']),
      );
      const failed = new Map((result.Failed ?? []).map((entry) => [entry.Id, entry]));
      return ids.map((id): SendOutcome => {
        const messageId = sent.get(id);
        if (messageId !== undefined) return { ok: true, messageId };
        const entry = failed.get(id);
        return {
          ok: false,
          error: new SendFailedError(
            entry
              ? `entry failed: ${entry.Code}: ${entry.Message ?? ''}`
              : 'entry missing from the SendMessageBatch answer',
            entry?.Code ?? 'MissingEntry',
            entry?.SenderFault ?? false,
          ),
        };
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const failure = new SendFailedError(`SendMessageBatch failed: ${name}`, name, false, {
        cause: error,
      });
      return messages.map(() => ({ ok: false, error: failure }));
    }
  }
}

/**
 * Collects the messages sent by concurrently processed records during one tick and sends them
 * in as few batches as allowed; each caller learns the fate of its own message.
 */
export class BatchingSender {
  private pending: {
    message: QueueMessage;
    resolve: (id: string) => void;
    reject: (e: Error) => void;
  }[] = [];
  private scheduled = false;

  constructor(private readonly publisher: MessagePublisher) {}

  /** Resolves with the SQS message id once sent; rejects with SendFailedError when it was not. */
  send(message: QueueMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    this.scheduled = false;
    let offset = 0;
    const batches = toBatches(pending.map((p) => p.message)).map((batch) => {
      const start = offset;
      offset += batch.length;
      return { batch, waiting: pending.slice(start, start + batch.length) };
    });
    await Promise.all(
      batches.map(async ({ batch, waiting }) => {
        const outcomes = await this.publisher.sendBatch(batch);
        waiting.forEach((w, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) w.resolve(outcome.messageId);
          else
            w.reject(
              outcome?.error ??
                new SendFailedError('no outcome for the message', 'MissingEntry', false),
            );
        });
      }),
    );
  }
}
