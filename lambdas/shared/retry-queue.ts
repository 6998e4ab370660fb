/**
 * A queue consumer's backoff: a failed message's visibility timeout is set to the delay before
 * its next attempt (ChangeMessageVisibility on the consumer's own queue).
 */
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Log } from './powertools.js';
import { withoutSdkLogger } from './sdk-clients.js';

/** Delays the next delivery of a received message. */
export class RetryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /**
   * The retry queue of a function's own queue, on an SQS client whose endpoint is the one the
   * environment resolves (never the queue URL's host).
   */
  static on(queueUrl: string): RetryQueue {
    return new RetryQueue(
      withoutSdkLogger(new SQSClient({ useQueueUrlAsEndpoint: false, cacheMiddleware: true })),
      queueUrl,
    );
  }

  /**
   * Makes the message visible again in `seconds`. Best effort: if it fails, the message comes
   * back after the queue's own visibility timeout instead, which is still a retry.
   */
  async retryIn(receiptHandle: string, seconds: number, log: Log): Promise<void> {
    try {
      await this.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      log.warn('could not set the retry delay; the queue visibility timeout applies', { error });
    }
  }
}
