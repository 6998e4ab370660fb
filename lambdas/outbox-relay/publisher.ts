/**
 * Publishing event messages: a port, its SNS adapter (PublishBatch to the events topic, every
 * `Failed` entry checked), and a batcher that lets record-by-record processing still publish
 * in batches.
 */
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { publishEntries, type QueueMessage, toBatches } from '../shared/queue-messages.js';
import { SendFailedError } from './errors.js';

/** The outcome of one message of a batch: sent, or the error that refused it. */
export type SendOutcome = { ok: true; messageId: string } | { ok: false; error: SendFailedError };

/** Publishes batches of event messages to the bus. */
export interface MessagePublisher {
  /** Sends ≤10 messages in one call; one outcome per message, in order. Never throws. */
  sendBatch(messages: readonly QueueMessage[]): Promise<SendOutcome[]>;
}

/** The MessagePublisher on SNS PublishBatch. */
export class SnsMessagePublisher implements MessagePublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async sendBatch(messages: readonly QueueMessage[]): Promise<SendOutcome[]> {
    const entries = publishEntries(messages);
    const ids = entries.map((entry) => entry.Id);
    try {
      const result = await this.sns.send(
        new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }),
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
              : 'entry missing from the PublishBatch answer',
            entry?.Code ?? 'MissingEntry',
            entry?.SenderFault ?? false,
          ),
        };
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const failure = new SendFailedError(`PublishBatch failed: ${name}`, name, false, {
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
