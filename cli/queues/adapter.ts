/**
 * What the CLI's two dead-letter adapters share (./dead-letters.ts, ./stream-failures.ts): an
 * SQS client of the target, counting, peeking and taking messages, sending them back to a
 * queue or publishing them to the events topic in the relay's batches
 * (lambdas/shared/queue-messages.ts), and one-line errors.
 */

import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  batchEntries,
  publishEntries,
  type SizedMessage,
  toBatches,
} from '../../lambdas/shared/queue-messages.js';
import { clientConfig } from '../clients.js';
import { CliError, callAws } from '../errors.js';
import type { Target } from '../target.js';

/** Outcome of a redrive. */
export interface RedriveResult {
  moved: number;
  method: 'message-move-task' | 'receive-and-send' | 'stream-replay' | 'from-table';
  /** The message-move task's handle (AWS runs it in the background). */
  taskHandle?: string;
  /** For the relay: events published again to the events topic. */
  eventsSent?: number;
}

/** What both DLQ adapters share: an SQS client and one-line errors. */
export abstract class QueueAdapter {
  protected readonly sqs: SQSClient;
  private sns?: SNSClient;

  constructor(protected readonly target: Target) {
    this.sqs = new SQSClient(clientConfig(target, 'sqs'));
  }

  protected output(name: string): string {
    const value = this.target.outputs[name];
    if (!value) throw new CliError(`the target lacks the output ${name}`, 2);
    return value;
  }

  /** Visible + in-flight messages of a queue (as SQS counts them: approximately). */
  protected async count(what: string, queueUrl: string): Promise<number> {
    const attributes = await this.call(what, () =>
      this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
    );
    return (
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /**
   * Up to `max` distinct messages, received with visibility 0 so they stay available; stops at
   * the first receive that brings nothing new (a big queue is sampled, never looped over). Each
   * receive adds one to a message's receive count, as on SQS: the first count seen is kept.
   */
  protected async peekMessages(what: string, queueUrl: string, max: number): Promise<Message[]> {
    const seen = new Map<string, Message>();
    let fresh = true;
    while (seen.size < max && fresh) {
      const received = await this.call(what, () =>
        this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, max - seen.size),
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        ),
      );
      const before = seen.size;
      for (const m of received.Messages ?? []) {
        if (m.MessageId && !seen.has(m.MessageId)) seen.set(m.MessageId, m);
      }
      fresh = seen.size > before;
    }
    return [...seen.values()];
  }

  /** Receives up to 10 messages for processing (hidden for a minute while it runs). */
  protected async take(what: string, queueUrl: string, max: number): Promise<Message[]> {
    const received = await this.call(what, () =>
      this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
          VisibilityTimeout: 60,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      ),
    );
    return received.Messages ?? [];
  }

  /** Publishes messages to a topic in PublishBatch batches; a failed entry stops with an error. */
  protected async publishAll(
    what: string,
    topicArn: string,
    messages: SizedMessage[],
  ): Promise<void> {
    this.sns ??= new SNSClient(clientConfig(this.target, 'sns'));
    const sns = this.sns;
    await this.inBatches(what, messages, 'event(s) could not be published', (batch) =>
      sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: publishEntries(batch),
        }),
      ),
    );
  }

  /** Sends messages to a queue in SendMessageBatch batches; a failed entry stops with an error. */
  protected async sendAll(what: string, queueUrl: string, messages: SizedMessage[]): Promise<void> {
    await this.inBatches(what, messages, 'message(s) could not be sent', (batch) =>
      this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batchEntries(batch) }),
      ),
    );
  }

  /** Sends batches one by one; the first answer with a `Failed` entry stops with an error. */
  private async inBatches(
    what: string,
    messages: SizedMessage[],
    refused: string,
    send: (batch: SizedMessage[]) => Promise<{ Failed?: { Code?: string; Message?: string }[] }>,
  ): Promise<void> {
    for (const batch of toBatches(messages)) {
      const failed = (await this.call(what, () => send(batch))).Failed ?? [];
      if (failed.length > 0) {
        throw new CliError(
          `${what}: ${failed.length} ${refused} (${failed[0]?.Code}: ${failed[0]?.Message ?? ''}); nothing was deleted from the DLQ`,
        );
      }
    }
  }

  /** Makes messages taken but not handled visible again at once (not after the 60 s). */
  protected async giveBack(queueUrl: string, messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => undefined); // they come back after 60 s anyway
  }

  protected delete(what: string, queueUrl: string, message: Message): Promise<unknown> {
    return this.call(what, () =>
      this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      ),
    );
  }

  /** Releases the SDK's sockets. */
  close(): void {
    this.sqs.destroy();
    this.sns?.destroy();
  }

  protected call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return callAws(what, send);
  }
}
