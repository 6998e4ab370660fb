import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { withoutSdkLogger } from '../../lambdas/shared/sdk-clients.js';
import type { SnsExchange, SqsExchange } from '../meter/sqs-meter.js';
import { freePort } from '../ports.js';
import type { Service } from '../service.js';
import type { QueueDef, SubscriptionDef, TopicDef } from '../template/stack.js';
import { LOCAL_REGION_CONFIG, localCredentials } from './credentials.js';
import { type EmbeddedFauxqs, startEmbeddedFauxqs } from './fauxqs.js';

/** Queue properties of the template that are SQS queue attributes of the same name. */
const ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
] as const;

/** Options of the SQS service. */
export interface SqsOptions {
  readonly queues: readonly QueueDef[];
  /** The template's topics and their queue subscriptions (SNS, served by the same fauxqs). */
  readonly topics?: readonly TopicDef[];
  readonly subscriptions?: readonly SubscriptionDef[];
  /** Where queued messages are saved on stop and restored from on start (`--persist`). */
  readonly snapshotFile?: string;
  /** Called with each created queue's URL. */
  readonly onQueue?: (logicalId: string, url: string) => void;
  /** Called with every SQS request fauxqs answers (the meter). */
  readonly onExchange?: (exchange: SqsExchange) => void;
  /** Called with every SNS request fauxqs answers, with the deliveries it made (the meter). */
  readonly onSnsExchange?: (exchange: SnsExchange) => void;
}

interface SavedMessage {
  body: string;
  messageAttributes: Record<
    string,
    { DataType: string; StringValue?: string; BinaryValue?: string }
  >;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/**
 * fauxqs on a free port with every queue of the template (dead-letter queues first, with
 * their redrive policies): real visibility timeouts, receive counts and redrive; and the
 * template's SNS topics with their queue subscriptions (filter policies, raw delivery). fauxqs
 * keeps nothing on disk, so with a snapshot file the messages are saved on stop and sent
 * again on start (their receive counts start over).
 */
export class SqsService implements Service {
  readonly name = 'SQS (fauxqs)';
  private server?: EmbeddedFauxqs;
  endpoint = '';
  client?: SQSClient;
  readonly urls = new Map<string, string>();

  constructor(private readonly options: SqsOptions) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.server = await startEmbeddedFauxqs(
      port,
      this.options.onExchange,
      this.options.onSnsExchange,
    );
    this.endpoint = this.server.endpoint;
    this.client = withoutSdkLogger(
      new SQSClient({
        endpoint: this.endpoint,
        ...LOCAL_REGION_CONFIG,
        credentials: localCredentials(),
        // Each command's middleware stack resolved once (the pollers send thousands).
        cacheMiddleware: true,
      }),
    );
    for (const queue of this.options.queues) {
      const attributes: Record<string, string> = {};
      for (const name of ATTRIBUTES) {
        const value = queue.properties[name];
        if (value !== undefined) attributes[name] = String(value);
      }
      const redrive = queue.properties.RedrivePolicy;
      if (redrive !== undefined)
        attributes.RedrivePolicy = typeof redrive === 'string' ? redrive : JSON.stringify(redrive);
      const { url } = this.server.createQueue(queue.name, attributes);
      this.urls.set(queue.logicalId, url);
      this.options.onQueue?.(queue.logicalId, url);
    }
    for (const topic of this.options.topics ?? []) {
      const arn = this.server.createTopic(topic.name);
      if (arn !== topic.arn)
        throw new Error(`fauxqs named topic ${topic.logicalId} ${arn}, the template ${topic.arn}`);
    }
    for (const subscription of this.options.subscriptions ?? [])
      this.server.subscribe(subscription.topicArn, subscription.queueArn, subscription.attributes);
    await this.restore();
  }

  private async restore(): Promise<void> {
    const file = this.options.snapshotFile;
    if (!file || !existsSync(file)) return;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, SavedMessage[]>;
    for (const queue of this.options.queues) {
      for (const m of saved[queue.name] ?? []) {
        await this.client!.send(
          new SendMessageCommand({
            QueueUrl: this.urls.get(queue.logicalId),
            MessageBody: m.body,
            MessageAttributes: Object.fromEntries(
              Object.entries(m.messageAttributes).map(([k, v]) => [
                k,
                {
                  DataType: v.DataType,
                  StringValue: v.StringValue,
                  BinaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue, 'base64') : undefined,
                },
              ]),
            ),
            MessageGroupId: m.messageGroupId,
            MessageDeduplicationId: m.messageDeduplicationId,
          }),
        );
      }
    }
  }

  /** Every message of every queue (ready, delayed and in flight), without receiving them. */
  snapshot(): Record<string, SavedMessage[]> {
    const out: Record<string, SavedMessage[]> = {};
    for (const queue of this.options.queues) {
      const inspected = this.server?.inspectQueue(queue.name);
      if (!inspected) continue;
      const { ready, delayed, inflight } = inspected.messages;
      out[queue.name] = [...ready, ...delayed, ...inflight.map((i) => i.message)].map((m) => ({
        body: m.body,
        messageAttributes: m.messageAttributes,
        ...(m.messageGroupId ? { messageGroupId: m.messageGroupId } : {}),
        ...(m.messageDeduplicationId ? { messageDeduplicationId: m.messageDeduplicationId } : {}),
      }));
    }
    return out;
  }

  /** Messages of a queue by logical id, without receiving them (for tests and the CLI). */
  inspect(logicalId: string) {
    const queue = this.options.queues.find((q) => q.logicalId === logicalId);
    return queue ? this.server?.inspectQueue(queue.name) : undefined;
  }

  async stop(): Promise<void> {
    if (this.options.snapshotFile && this.server) {
      writeFileSync(this.options.snapshotFile, `${JSON.stringify(this.snapshot(), null, 1)}\n`);
    }
    this.client?.destroy();
    await this.server?.stop();
    this.server = undefined;
  }
}
